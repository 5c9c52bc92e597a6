package dev.miltermanager.config;

import dev.miltermanager.manager.MilterManagerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A loaded, valid configuration: the manager's part, the daemon's part, the warnings the loading gave (ignored
 * items, detection problems), and where each value came from. Immutable; get one from
 * {@link ConfigurationLoader#load()}.
 */
public final class Configuration {
    private final MilterManagerConfig manager;
    private final DaemonSettings daemon;
    private final List<String> warnings;
    private final List<Path> files;
    private final String shown;
    private final ConfigModel model;

    Configuration(MilterManagerConfig manager, DaemonSettings daemon, List<String> warnings, List<Path> files,
            String shown, ConfigModel model) {
        this.manager = manager;
        this.daemon = daemon;
        this.warnings = List.copyOf(warnings);
        this.files = List.copyOf(files);
        this.shown = shown;
        this.model = model;
    }

    /** The manager's configuration: where to listen, the children in order, … */
    public MilterManagerConfig manager() {
        return manager;
    }

    /** Logging, pid file, control interface. */
    public DaemonSettings daemon() {
        return daemon;
    }

    /** Every warning, each naming its origin: items accepted and ignored, detection problems, … */
    public List<String> warnings() {
        return warnings;
    }

    /** The files read, in order (empty when there is no configuration file). */
    public List<Path> files() {
        return files;
    }

    /**
     * Where an item's value came from: {@code file:line}, {@code default}, {@code detected (file:line)} or
     * {@code command line (--option)}.
     *
     * @param key a manager item ({@code manager.connection_spec}) or a child's ({@code milter.clamav.enabled})
     * @throws IllegalArgumentException for a key that is no item, or a child that is not configured
     */
    public String origin(String key) {
        Optional<Item> item = Items.manager(key);
        if (item.isPresent()) {
            ItemValue s = model.manager.get(key);
            return s == null ? "default" : s.origin();
        }
        int last = key.lastIndexOf('.');
        if (key.startsWith(Items.MILTER_PREFIX) && last > Items.MILTER_PREFIX.length()) {
            ConfigModel.Child child = model.children.get(key.substring(Items.MILTER_PREFIX.length(), last));
            String itemName = key.substring(last + 1);
            if (child != null && Items.milter(itemName).isPresent()) {
                ItemValue s = child.items.get(itemName);
                return s == null ? "default" : s.origin();
            }
        }
        throw new IllegalArgumentException("no configuration item " + key);
    }

    /**
     * The effective configuration as a configuration file, every item with its origin as a trailing comment
     * ({@code manager.connection_spec = inet:10025@[127.0.0.1]  # default}); reading it back gives the same
     * configuration. This is what {@code --show-config} prints.
     */
    public String show() {
        return shown;
    }
}
