package dev.miltermanager.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a service on Debian/Ubuntu and Red Hat: its systemd unit when there is one (enabled iff linked from
 * {@code multi-user.target.wants} and not masked), else its init script with {@code /etc/default/NAME} (Debian;
 * enabled unless {@code ENABLED=0}) or {@code /etc/sysconfig/NAME} (Red Hat; enabled iff an {@code S} link is in
 * an {@code rcN.d} directory).
 *
 * <p>Where the socket is looked for, first usable wins: {@code -p} on the unit's {@code ExecStart}; then the
 * milter's own file and the service variables ({@code SOCKET}, …), in the order the milter's scripts give them
 * ({@link MilterKind#configFileWins()}); then {@code -p} in the flag variables ({@code OPTARGS}, …).
 */
final class LinuxServices {
    private static final List<String> DEBIAN_SOCKET_VARIABLES = List.of("SOCKET", "SOCKFILE", "CONNECTION_SPEC");
    private static final List<String> REDHAT_SOCKET_VARIABLES = List.of("SOCKET", "SOCKET_ADDRESS", "MILTER_SOCKET",
            "CONNECTION_SPEC");
    private static final List<String> FLAG_VARIABLES = List.of("OPTARGS", "DAEMON_ARGS", "PARAMS", "DAEMON_OPTS",
            "OPTIONS");
    private static final Pattern LSB_FIELD = Pattern.compile("^#\\s*(Description|Short-Description):\\s*(.*)$");
    private static final Pattern REDHAT_DESCRIPTION = Pattern.compile("^#\\s*description:\\s*(.*?)\\\\?$");

    private final Path root;
    private final Platform platform;
    private final List<String> problems;
    private final StartCommand commands;

    LinuxServices(Path root, Platform platform, List<String> problems) {
        this.root = root;
        this.platform = platform;
        this.problems = problems;
        this.commands = new StartCommand(root);
    }

    Optional<ServiceProbe> probe(Candidate candidate) {
        Optional<SystemFile> script = initScript(candidate.service());
        for (String dir : unitDirectories()) {
            Optional<SystemdUnit> unit = SystemdUnit.read(root, dir, candidate.service());
            if (unit.isPresent()) {
                return Optional.of(fromUnit(candidate, unit.get(), script));
            }
        }
        return script.map(s -> fromScript(candidate, s));
    }

    private List<String> unitDirectories() {
        return platform == Platform.REDHAT ? List.of("/usr/lib/systemd/system", "/lib/systemd/system")
                : List.of("/lib/systemd/system", "/usr/lib/systemd/system");
    }

    private ServiceProbe fromUnit(Candidate candidate, SystemdUnit unit, Optional<SystemFile> script) {
        String name = candidate.service();
        ServiceProbe probe = new ServiceProbe(name, unit.file());
        probe.description = unit.description();
        probe.enabled = unitEnabled(name);
        probe.command = commands.of(name, true, script, List.of());
        List<String> execWords = unit.execStart().map(s -> ShellSettings.words(s.value())).orElse(List.of());
        if (candidate.kind() != MilterKind.CLAMAV && candidate.kind() != MilterKind.RSPAMD) {
            probe.source(unit.execStart().flatMap(s -> option(s, execWords, "-p")));
        }
        Optional<SystemFile> ownFile = ownConfig(candidate.kind(), execWords, unit.environment());
        addVariableSources(probe, candidate.kind(), ownFile, unit.environment());
        return probe;
    }

    private ServiceProbe fromScript(Candidate candidate, SystemFile script) {
        String name = candidate.service();
        ServiceProbe probe = new ServiceProbe(name, script);
        ShellSettings variables = new ShellSettings();
        variables.read(script);
        SystemFile settings = SystemFile.of(root, platform == Platform.REDHAT ? "/etc/sysconfig" : "/etc/default")
                .resolve(name);
        variables.read(settings);
        probe.description = scriptDescription(script, variables);
        if (platform == Platform.REDHAT) {
            probe.enabled = startLinkExists(name);
        } else {
            String enabled = variables.get("ENABLED").map(Setting::value).orElse("1").toLowerCase(Locale.ROOT);
            probe.enabled = !(enabled.equals("0") || enabled.equals("no") || enabled.equals("false"));
        }
        probe.command = commands.of(name, false, Optional.of(script), List.of());
        addVariableSources(probe, candidate.kind(), ownConfig(candidate.kind(), List.of(), variables), variables);
        return probe;
    }

    private void addVariableSources(ServiceProbe probe, MilterKind kind, Optional<SystemFile> ownFile,
            ShellSettings variables) {
        List<String> socketVariables = platform == Platform.REDHAT ? REDHAT_SOCKET_VARIABLES
                : DEBIAN_SOCKET_VARIABLES;
        if (kind == MilterKind.RSPAMD) {
            probe.source(() -> RspamdProxy.socket(SystemFile.of(root, RspamdProxy.RSPAMADM), problems));
            return;
        }
        MilterOwnConfig own = ownFile.map(f -> MilterOwnConfig.read(kind, f, problems)).orElse(MilterOwnConfig.NONE);
        probe.unconfigured = own.unconfigured();
        probe.items.putAll(own.items());
        if (kind.configFileWins()) {
            probe.source(own.socket());
        }
        for (String variable : socketVariables) {
            probe.source(variables.get(variable));
        }
        for (String variable : FLAG_VARIABLES) {
            probe.source(variables.get(variable).flatMap(s -> option(s, ShellSettings.words(s.value()), "-p")));
        }
        if (!kind.configFileWins()) {
            probe.source(own.socket());
        }
    }

    /** The milter's own file: named by its option on the command line or in the flag variables, else the default. */
    private Optional<SystemFile> ownConfig(MilterKind kind, List<String> execWords, ShellSettings variables) {
        String path = null;
        for (String option : kind.configOptions()) {
            path = ShellSettings.optionValue(execWords, option).orElse(null);
            for (int i = 0; path == null && i < FLAG_VARIABLES.size(); i++) {
                path = variables.get(FLAG_VARIABLES.get(i))
                        .flatMap(s -> ShellSettings.optionValue(ShellSettings.words(s.value()), option)).orElse(null);
            }
            if (path != null) {
                break;
            }
        }
        if (path == null) {
            path = kind.configFile(platform);
        }
        return path == null || !path.startsWith("/") ? Optional.empty() : Optional.of(SystemFile.of(root, path));
    }

    private static Optional<Setting> option(Setting flags, List<String> words, String option) {
        return ShellSettings.optionValue(words, option).map(v -> new Setting(v, flags.origin()));
    }

    private boolean unitEnabled(String name) {
        SystemFile etc = SystemFile.of(root, "/etc/systemd/system");
        Path override = etc.resolve(name + ".service").path();
        try {
            if (Files.isSymbolicLink(override) && Files.readSymbolicLink(override).toString().equals("/dev/null")) {
                return false;
            }
        } catch (IOException e) {
            // An unreadable link is not a mask.
        }
        return Files.exists(etc.resolve("multi-user.target.wants").resolve(name + ".service").path(),
                LinkOption.NOFOLLOW_LINKS);
    }

    private Optional<SystemFile> initScript(String name) {
        for (String dir : platform == Platform.REDHAT ? List.of("/etc/rc.d/init.d", "/etc/init.d")
                : List.of("/etc/init.d")) {
            SystemFile script = SystemFile.of(root, dir).resolve(name);
            if (script.isRegularFile()) {
                return Optional.of(script);
            }
        }
        return Optional.empty();
    }

    private boolean startLinkExists(String name) {
        for (String base : List.of("/etc/rc.d", "/etc")) {
            for (int level = 0; level <= 6; level++) {
                SystemFile dir = SystemFile.of(root, base).resolve("rc" + level + ".d");
                if (!dir.isDirectory()) {
                    continue;
                }
                try (Stream<Path> links = Files.list(dir.path())) {
                    if (links.map(p -> p.getFileName().toString()).anyMatch(n -> n.matches("S\\d\\d" + Pattern.quote(name)))) {
                        return true;
                    }
                } catch (IOException e) {
                    // Unreadable: look at the next level.
                }
            }
        }
        return false;
    }

    private String scriptDescription(SystemFile script, ShellSettings variables) {
        String shortDescription = "";
        List<String> lines = script.lines();
        for (int i = 0; i < lines.size(); i++) {
            Matcher lsb = LSB_FIELD.matcher(lines.get(i));
            if (lsb.matches() && lsb.group(1).equals("Description")) {
                return lsb.group(2).strip();
            }
            if (lsb.matches()) {
                shortDescription = lsb.group(2).strip();
            }
            Matcher rh = REDHAT_DESCRIPTION.matcher(lines.get(i));
            if (rh.matches() && shortDescription.isEmpty()) {
                StringBuilder text = new StringBuilder(rh.group(1).strip());
                while (lines.get(i).strip().endsWith("\\") && i + 1 < lines.size()) {
                    text.append(' ').append(lines.get(++i).replaceFirst("^#\\s*", "").replaceFirst("\\\\$", "")
                            .strip());
                }
                shortDescription = text.toString();
            }
        }
        return shortDescription.isEmpty() ? variables.get("DESC").map(Setting::value).orElse("") : shortDescription;
    }
}
