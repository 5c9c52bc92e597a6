package dev.miltermanager.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a service on FreeBSD: the rc script {@code /usr/local/etc/rc.d/SCRIPT} gives the rc name ({@code name=})
 * and its defaults ({@code : ${NAME_socket:="…"}}, assignments before {@code load_rc_config}, {@code command_args});
 * {@code /etc/rc.conf}, {@code /etc/rc.conf.local}, {@code /etc/rc.conf.d/NAME} and
 * {@code /usr/local/etc/rc.conf.d/NAME} override them in that order. Enabled iff {@code NAME_enable} is yes (true,
 * on, 1; default no). The socket is the first usable of {@code NAME_socket}, {@code NAME_sockfile},
 * {@code NAME_connection_spec}, {@code NAME_socketspec}, {@code -p} in {@code NAME_flags} or {@code command_args},
 * then the milter's own file ({@code NAME_cfgfile} or the port's default). OpenDKIM's rc profiles
 * ({@code milteropendkim_profiles="a b"}) give one milter per profile, named {@code milter-opendkim-a}, whose
 * settings are {@code milteropendkim_a_*} falling back to {@code milteropendkim_*}.
 */
final class FreeBsdServices {
    private static final String RC_D = "/usr/local/etc/rc.d";
    private static final Pattern NAME = Pattern.compile("^\\s*name=[\"']?([A-Za-z0-9_]+)[\"']?");
    private static final Pattern DESC = Pattern.compile("^\\s*desc=[\"'](.*)[\"']\\s*$");
    private static final Pattern DEFAULT = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::?[-=])([^}]*)}");
    private static final List<String> SOCKET_VARIABLES = List.of("socket", "sockfile", "connection_spec",
            "socketspec");

    private final Path root;
    private final List<String> problems;
    private final StartCommand commands;

    FreeBsdServices(Path root, List<String> problems) {
        this.root = root;
        this.problems = problems;
        this.commands = new StartCommand(root);
    }

    List<ServiceProbe> probe(Candidate candidate) {
        SystemFile script = SystemFile.of(root, RC_D).resolve(candidate.service());
        if (!script.isRegularFile()) {
            return List.of();
        }
        ShellSettings variables = new ShellSettings();
        Optional<String> rcName = Optional.empty();
        String description = "";
        Setting commandArgs = null;
        List<String> lines = script.lines();
        boolean beforeLoad = true;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher name = NAME.matcher(line);
            if (name.find() && rcName.isEmpty()) {
                rcName = Optional.of(name.group(1));
            }
            Matcher desc = DESC.matcher(line);
            if (desc.matches()) {
                description = desc.group(1);
            }
            Matcher defaults = DEFAULT.matcher(line);
            while (defaults.find()) {
                variables.put(defaults.group(1), variables.value(defaults.group(2)), script.origin(i + 1));
            }
            if (line.matches("^\\s*load_rc_config\\b.*")) {
                beforeLoad = false;
            } else if (line.startsWith("command_args=")) {
                // Expanded once rc.conf and its companions are read: their settings count in it.
                commandArgs = new Setting(line.substring("command_args=".length()), script.origin(i + 1));
            } else if (beforeLoad && rcName.isPresent() && line.startsWith(rcName.get() + "_")
                    && line.contains("=")) {
                int eq = line.indexOf('=');
                variables.put(line.substring(0, eq), variables.value(line.substring(eq + 1)), script.origin(i + 1));
            }
        }
        if (rcName.isEmpty()) {
            problems.add(script + ": no 'name=' line, so its rc.conf variables are unknown; skipped");
            return List.of();
        }
        String rc = rcName.get();
        for (String file : List.of("/etc/rc.conf", "/etc/rc.conf.local", "/etc/rc.conf.d/" + rc,
                "/usr/local/etc/rc.conf.d/" + rc)) {
            variables.read(SystemFile.of(root, file));
        }
        if (commandArgs != null) {
            commandArgs = new Setting(variables.value(commandArgs.value()), commandArgs.origin());
        }
        List<String> profiles = candidate.kind() == MilterKind.OPENDKIM
                ? variables.get(rc + "_profiles").map(s -> ShellSettings.words(s.value())).orElse(List.of())
                : List.of();
        List<ServiceProbe> probes = new ArrayList<>();
        if (profiles.isEmpty()) {
            probes.add(probe(candidate, candidate.service(), script, variables, List.of(rc), commandArgs,
                    description, List.of()));
        } else {
            for (String profile : profiles) {
                probes.add(probe(candidate, candidate.service() + "-" + profile, script, variables,
                        List.of(rc + "_" + profile, rc), null, description, List.of(profile)));
            }
        }
        return probes;
    }

    private ServiceProbe probe(Candidate candidate, String name, SystemFile script, ShellSettings variables,
            List<String> prefixes, Setting commandArgs, String description, List<String> startArgs) {
        ServiceProbe probe = new ServiceProbe(name, script);
        probe.description = description;
        probe.enabled = lookup(variables, prefixes, "enable").map(s -> isYes(s.value())).orElse(false);
        probe.command = commands.of(name, false, Optional.of(script), startArgs);
        if (candidate.kind() == MilterKind.RSPAMD) {
            probe.source(() -> RspamdProxy.socket(SystemFile.of(root, "/usr/local/bin/rspamadm"), problems));
            return probe;
        }
        for (String variable : SOCKET_VARIABLES) {
            probe.source(lookup(variables, prefixes, variable));
        }
        Optional<Setting> flags = lookup(variables, prefixes, "flags");
        probe.source(flags.flatMap(s -> option(s, "-p")));
        probe.source(Optional.ofNullable(commandArgs).flatMap(s -> option(s, "-p")));
        String configPath = lookup(variables, prefixes, "cfgfile").map(Setting::value)
                .or(() -> flags.flatMap(s -> candidate.kind().configOptions().stream()
                        .flatMap(o -> ShellSettings.optionValue(ShellSettings.words(s.value()), o).stream())
                        .findFirst()))
                .orElse(candidate.kind().configFile(Platform.FREEBSD));
        if (configPath != null && configPath.startsWith("/")) {
            MilterOwnConfig own = MilterOwnConfig.read(candidate.kind(), SystemFile.of(root, configPath), problems);
            probe.unconfigured = own.unconfigured();
            probe.items.putAll(own.items());
            probe.source(own.socket());
        }
        return probe;
    }

    private static Optional<Setting> lookup(ShellSettings variables, List<String> prefixes, String suffix) {
        for (String prefix : prefixes) {
            Optional<Setting> found = variables.get(prefix + "_" + suffix);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<Setting> option(Setting flags, String option) {
        return ShellSettings.optionValue(ShellSettings.words(flags.value()), option)
                .map(v -> new Setting(v, flags.origin()));
    }

    private static boolean isYes(String value) {
        return value.equalsIgnoreCase("yes") || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("on")
                || value.equals("1");
    }
}
