package dev.miltermanager.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What detection needs of a systemd service: its description, the command it runs ({@code ExecStart}, with the
 * environment expanded) and its environment ({@code EnvironmentFile=}, {@code Environment=}). Reads the unit as
 * systemd does: a whole-unit override in {@code /etc/systemd/system} replaces the packaged unit, and drop-ins
 * ({@code NAME.service.d/*.conf} in the packaged directory, {@code /run/systemd/system} and
 * {@code /etc/systemd/system}, in file-name order, a later directory's file replacing a same-named one) change it;
 * an empty {@code ExecStart=} clears the command (reference issue #205: an administrator's override must count).
 */
final class SystemdUnit {
    private final ShellSettings environment = new ShellSettings();
    private String description = "";
    private Setting execStart;
    private final SystemFile file;

    private SystemdUnit(SystemFile file) {
        this.file = file;
    }

    /** The unit {@code NAME.service} as installed in {@code systemDir}, or empty when it is not installed there. */
    static Optional<SystemdUnit> read(Path root, String systemDir, String name) {
        String unitName = name + ".service";
        SystemFile packaged = SystemFile.of(root, systemDir).resolve(unitName);
        if (!packaged.isRegularFile()) {
            return Optional.empty();
        }
        SystemFile override = SystemFile.of(root, "/etc/systemd/system").resolve(unitName);
        SystemdUnit unit = new SystemdUnit(packaged);
        unit.parse(override.isRegularFile() && !Files.isSymbolicLink(override.path()) ? override : packaged);
        TreeMap<String, SystemFile> dropIns = new TreeMap<>();
        for (String dir : List.of(systemDir, "/run/systemd/system", "/etc/systemd/system")) {
            SystemFile d = SystemFile.of(root, dir).resolve(unitName + ".d");
            if (d.isDirectory()) {
                try (Stream<Path> files = Files.list(d.path())) {
                    files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
                            .forEach(n -> dropIns.put(n, d.resolve(n)));
                } catch (IOException e) {
                    // An unreadable drop-in directory adds nothing.
                }
            }
        }
        dropIns.values().forEach(unit::parse);
        return Optional.of(unit);
    }

    SystemFile file() {
        return file;
    }

    String description() {
        return description;
    }

    /** {@code ExecStart}, prefixes ({@code -@+!}) removed and the environment expanded. */
    Optional<Setting> execStart() {
        return Optional.ofNullable(execStart).map(s -> new Setting(environment.expand(s.value()), s.origin()));
    }

    ShellSettings environment() {
        return environment;
    }

    private void parse(SystemFile unitFile) {
        List<String> lines = unitFile.lines();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            StringBuilder text = new StringBuilder(lines.get(i).strip());
            while (text.toString().endsWith("\\") && i + 1 < lines.size()) {
                String head = text.substring(0, text.length() - 1).stripTrailing();
                text.setLength(0);
                text.append(head).append(' ').append(lines.get(++i).strip());
            }
            String line = text.toString();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            String origin = unitFile.origin(number);
            if (section.equals("Unit") && key.equals("Description")) {
                description = value;
            } else if (section.equals("Service")) {
                service(key, value, origin);
            }
        }
    }

    private void service(String key, String value, String origin) {
        switch (key) {
            case "ExecStart" -> execStart = value.isEmpty() ? null
                    : new Setting(value.replaceFirst("^[-@+!:]+", ""), origin);
            case "EnvironmentFile" -> {
                String path = value.startsWith("-") ? value.substring(1) : value;
                SystemFile env = SystemFile.of(file.root(), path);
                if (env.isRegularFile()) {
                    environment.read(env);
                }
            }
            case "Environment" -> {
                for (String assignment : ShellSettings.words(value)) {
                    int eq = assignment.indexOf('=');
                    if (eq > 0) {
                        environment.put(assignment.substring(0, eq),
                                environment.expand(assignment.substring(eq + 1)), origin);
                    }
                }
            }
            default -> {
            }
        }
    }
}
