package dev.miltermanager.config;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns a {@link ConfigModel} into the manager's configuration and the daemon's settings, adding any error. */
final class ConfigAssembler {
    private final ConfigModel model;
    private final ConditionCatalog catalog;

    ConfigAssembler(ConfigModel model, ConditionCatalog catalog) {
        this.model = model;
        this.catalog = catalog;
    }

    MilterManagerConfig manager() {
        MilterManagerConfig.Builder b = MilterManagerConfig.builder()
                .connectionSpec(managerValue("manager.connection_spec"))
                .listenOptions(listenOptions("manager"))
                .maxConnections(managerValue("manager.max_connections"))
                .fallbackStatus(managerValue("manager.fallback_status"))
                .fallbackStatusAtDisconnect(managerValue("manager.fallback_status_at_disconnect"))
                .chunkSize(managerValue("manager.chunk_size"))
                .maxBodyBytesInMemory(managerValue("manager.max_body_bytes_in_memory"))
                .deferContentReplies(managerValue("manager.defer_content_replies"));
        Path tmp = managerValue("manager.temporary_directory");
        if (tmp != null) {
            b.temporaryDirectory(tmp);
        }
        java.time.Duration checkInterval = managerValue("manager.connection_check_interval");
        if (checkInterval.isPositive()) {
            b.connectionCheck(checkInterval, dev.miltermanager.manager.ConnectionChecker.procNetTcp());
        }
        model.children.values().forEach(c -> child(c).ifPresent(b::addChild));
        return b.build();
    }

    DaemonSettings daemon() {
        String level = managerValue("log.level");
        return new DaemonSettings(LogLevels.threshold(level), level, Optional.ofNullable(managerValue("log.path")),
                Optional.ofNullable(managerValue("manager.pid_file")),
                Optional.ofNullable(managerValue("controller.connection_spec")), listenOptions("controller"),
                Optional.ofNullable(managerValue("controller.token_file")));
    }

    private ListenOptions listenOptions(String section) {
        return ListenOptions.DEFAULTS.withUnixSocketMode(managerValue(section + ".unix_socket_mode"))
                .withUnixSocketGroup(managerValue(section + ".unix_socket_group"))
                .withRemoveUnixSocketOnCreate(managerValue(section + ".remove_unix_socket_on_create"))
                .withRemoveUnixSocketOnClose(managerValue(section + ".remove_unix_socket_on_close"));
    }

    @SuppressWarnings("unchecked")
    private <T> T managerValue(String key) {
        ItemValue s = model.manager.get(key);
        return (T) (s != null ? s.value() : Items.manager(key).orElseThrow().defaultValue());
    }

    @SuppressWarnings("unchecked")
    private static <T> T childValue(ConfigModel.Child child, String item) {
        ItemValue s = child.items.get(item);
        return (T) (s != null ? s.value() : Items.milter(item).orElseThrow().defaultValue());
    }

    private Optional<ChildConfig> child(ConfigModel.Child child) {
        ConnectionSpec spec = childValue(child, "connection_spec");
        boolean enabled = childValue(child, "enabled");
        String key = Items.MILTER_PREFIX + child.name;
        if (spec == null) {
            if (enabled) {
                model.errors.add(child.firstOrigin + ": " + key + ": expected a " + key
                        + ".connection_spec (every enabled child needs one)");
            } else {
                model.warnings.add(child.firstOrigin + ": " + key + " is disabled and has no connection_spec; "
                        + "left out");
            }
            return Optional.empty();
        }
        ChildConfig.Builder b = ChildConfig.builder(child.name, spec).enabled(enabled)
                .description(childValue(child, "description"))
                .fallbackStatus(childValue(child, "fallback_status"))
                .evaluationMode(childValue(child, "evaluation_mode"))
                .connectionTimeout(childValue(child, "connection_timeout"))
                .writingTimeout(childValue(child, "writing_timeout"))
                .readingTimeout(childValue(child, "reading_timeout"))
                .endOfMessageTimeout(childValue(child, "end_of_message_timeout"))
                .reuseConnection(childValue(child, "reuse_connection"));
        child.get("applicable_conditions").ifPresent(s -> conditions(key, s, b));
        List<String> command = childValue(child, "command");
        List<String> options = childValue(child, "command_options");
        if (command != null && !command.isEmpty()) {
            List<String> argv = new ArrayList<>(command);
            if (options != null) {
                argv.addAll(options);
            }
            b.command(argv);
        }
        return Optional.of(b.build());
    }

    private void conditions(String key, ItemValue setting, ChildConfig.Builder b) {
        if (setting.value() == null || catalog == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) setting.value();
        for (String name : names) {
            try {
                b.addCondition(name, catalog.get(name));
            } catch (IllegalArgumentException e) {
                String text = setting.origin() + ": " + key + ".applicable_conditions = " + setting.text()
                        + ": expected condition names from " + catalog.names() + " or the name of a class "
                        + "implementing dev.miltermanager.policy.ApplicabilityPolicy (" + name + " is neither)";
                if (setting.origin().startsWith(ConfigurationLoader.DETECTED)) {
                    model.warnings.add(text + "; condition skipped");
                } else {
                    model.errors.add(text);
                }
            }
        }
    }
}
