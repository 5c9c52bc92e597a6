package dev.miltermanager.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command that starts a detected service, as the reference's detectors choose it: {@code systemctl start NAME}
 * for a systemd unit on a system where systemd runs ({@code /run/systemd/system} exists: in a container without
 * systemd, systemctl cannot start anything), else {@code service NAME start} when the service has a script, else the
 * script itself with {@code start}; a unit whose system does not run systemd still gets systemctl as a last resort.
 */
final class StartCommand {
    private final Path root;

    StartCommand(Path root) {
        this.root = root;
    }

    /**
     * @param unit whether the service has a systemd unit
     * @param script the init/rc script, if any
     * @param extra words after {@code start} (an rc profile)
     */
    List<String> of(String name, boolean unit, Optional<SystemFile> script, List<String> extra) {
        Optional<String> systemctl = first("/usr/bin/systemctl", "/bin/systemctl");
        boolean systemdRuns = SystemFile.of(root, "/run/systemd/system").isDirectory();
        if (unit && systemctl.isPresent() && (systemdRuns || script.isEmpty())) {
            return List.of(systemctl.get(), "start", name);
        }
        Optional<String> service = first("/usr/sbin/service", "/sbin/service");
        List<String> command = new ArrayList<>();
        if (script.isPresent() && service.isPresent()) {
            command.addAll(List.of(service.get(), script.get().path().getFileName().toString(), "start"));
        } else if (script.isPresent()) {
            command.addAll(List.of(script.get().systemPath(), "start"));
        } else {
            return List.of();
        }
        command.addAll(extra);
        return List.copyOf(command);
    }

    private Optional<String> first(String... paths) {
        for (String p : paths) {
            if (SystemFile.of(root, p).isExecutable()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
