package dev.miltermanager.config;

import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.policy.ConditionCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Loads the daemon's configuration: the children {@linkplain MilterDetector detected} on the machine first (when
 * asked), then {@value #CONFIG_FILE_NAME} of the configuration directory and its includes, then overrides from the
 * command line; each later line overrides earlier ones item by item. Every value is validated and every error of
 * every file is collected before {@link #load()} gives up. An absent directory or file is no error: the defaults
 * apply. Immutable and thread-safe: load again to reload.
 *
 * {@snippet :
 * Configuration config = ConfigurationLoader.create(Path.of("/etc/milter-manager"))
 *         .withDetection(Path.of("/"))
 *         .withOverride("manager.connection_spec", "inet:10026@[127.0.0.1]", "command line (--connection-spec)")
 *         .load();
 * MilterManager manager = MilterManager.create(config.manager());
 * }
 */
public final class ConfigurationLoader {
    /** The file read in the configuration directory. */
    public static final String CONFIG_FILE_NAME = "milter-manager.conf";
    /** Where the daemon looks when neither {@code --config-dir} nor {@code MILTER_MANAGER_CONFIG_DIR} says. */
    public static final Path DEFAULT_CONFIG_DIRECTORY = Path.of("/etc/milter-manager");
    static final String DETECTED = "detected";

    private final Path file;
    private final Path detectionRoot;
    private final List<ConfigLine> overrides;
    private final ClassLoader conditionLoader;
    private final BiFunction<Path, Optional<Platform>, DetectionResult> detector;

    private ConfigurationLoader(Path file, Path detectionRoot, List<ConfigLine> overrides,
            ClassLoader conditionLoader, BiFunction<Path, Optional<Platform>, DetectionResult> detector) {
        this.file = file;
        this.detectionRoot = detectionRoot;
        this.overrides = List.copyOf(overrides);
        this.conditionLoader = conditionLoader;
        this.detector = detector;
    }

    private static DetectionResult detect(Path root, Optional<Platform> platform) {
        return platform.isPresent() ? MilterDetector.detect(root, platform.get()) : MilterDetector.detect(root);
    }

    /** A loader of {@code directory}/{@value #CONFIG_FILE_NAME}, without detection or overrides. */
    public static ConfigurationLoader create(Path directory) {
        return ofFile(Objects.requireNonNull(directory, "directory").resolve(CONFIG_FILE_NAME));
    }

    /**
     * A loader of one configuration file of any name (an embedding application's, such as the James mailet's
     * {@code configFile}), its includes relative to its directory, without detection or overrides.
     */
    public static ConfigurationLoader ofFile(Path file) {
        return new ConfigurationLoader(Objects.requireNonNull(file, "file"), null, List.of(),
                ConfigurationLoader.class.getClassLoader(), ConfigurationLoader::detect);
    }

    /** The same loader, also detecting installed milters below {@code root} ({@code /} on a real machine). */
    public ConfigurationLoader withDetection(Path root) {
        return new ConfigurationLoader(file, Objects.requireNonNull(root, "root"), overrides, conditionLoader,
                detector);
    }

    /**
     * The same loader with one more line applied after the files, validated like them.
     *
     * @param origin what {@code --show-config} and errors name as its origin ({@code command line (--pid-file)})
     */
    public ConfigurationLoader withOverride(String key, String value, String origin) {
        List<ConfigLine> more = new ArrayList<>(overrides);
        more.add(ConfigLine.of(key, value, origin));
        return new ConfigurationLoader(file, detectionRoot, more, conditionLoader, detector);
    }

    /** The same loader, finding condition providers through {@code loader} (tests add their own). */
    ConfigurationLoader withConditionLoader(ClassLoader loader) {
        return new ConfigurationLoader(file, detectionRoot, overrides, loader, detector);
    }

    /** The same loader, detecting with {@code other} (tests script what is found). */
    ConfigurationLoader withDetector(BiFunction<Path, Optional<Platform>, DetectionResult> other) {
        return new ConfigurationLoader(file, detectionRoot, overrides, conditionLoader, other);
    }

    /** The configuration file this loader reads (it may not exist). */
    public Path file() {
        return file;
    }

    /**
     * Reads and validates everything.
     *
     * @throws ConfigurationException with every error found, each naming {@code file:line}, the line and what was
     *     expected
     */
    public Configuration load() throws ConfigurationException {
        ConfigFileReader reader = new ConfigFileReader();
        if (Files.exists(file())) {
            reader.read(file(), "");
        }
        ConfigModel model = new ConfigModel(ConditionLoading.prefixes(conditionLoader));
        if (detectionRoot != null) {
            detected(platform(reader.lines()), model).forEach(model::apply);
        }
        reader.lines().forEach(model::apply);
        overrides.forEach(model::apply);
        ConditionCatalog catalog = ConditionLoading.load(conditionLoader, model.conditionParameters, model.errors);
        ConfigAssembler assembler = new ConfigAssembler(model, catalog);
        MilterManagerConfig manager = null;
        DaemonSettings daemon = null;
        try {
            manager = assembler.manager();
            daemon = assembler.daemon();
        } catch (IllegalArgumentException e) {
            model.errors.add(file() + ": " + e.getMessage());
        }
        if (!model.errors.isEmpty()) {
            throw new ConfigurationException(model.errors);
        }
        List<String> names = catalog == null ? List.of() : catalog.names();
        return new Configuration(manager, daemon, model.warnings, reader.files(),
                ShowConfig.write(model, reader.files(), names), model);
    }

    /** The platform {@code package.platform} names, when a valid line sets it. */
    private static Optional<Platform> platform(List<ConfigLine> lines) {
        Optional<Platform> platform = Optional.empty();
        for (ConfigLine line : lines) {
            if (line.key().equals("package.platform")) {
                String v = line.value().toLowerCase(Locale.ROOT);
                platform = switch (v) {
                    case "debian", "redhat", "freebsd", "none" -> Optional.of(Platform.valueOf(v.toUpperCase(Locale.ROOT)));
                    case "pkgsrc" -> Optional.of(Platform.NONE);
                    default -> platform;
                };
            }
        }
        return platform;
    }

    /** The detected children as lines; detection problems become warnings, never errors. */
    private List<ConfigLine> detected(Optional<Platform> platform, ConfigModel model) {
        DetectionResult result;
        try {
            result = detector.apply(detectionRoot, platform);
        } catch (RuntimeException e) {
            model.warnings.add("detection below " + detectionRoot + " failed, nothing detected: " + e);
            return List.of();
        }
        result.problems().forEach(p -> model.warnings.add("detection: " + p));
        List<ConfigLine> lines = new ArrayList<>();
        for (DetectedMilter m : result.milters()) {
            String origin = DETECTED + " (" + m.origin() + ")";
            String prefix = Items.MILTER_PREFIX + m.name() + ".";
            Map<String, String> items = new TreeMap<>();
            items.put("connection_spec", m.connectionSpec());
            items.put("enabled", Boolean.toString(m.enabled()));
            if (!m.description().isEmpty()) {
                items.put("description", m.description());
            }
            if (!m.applicableConditions().isEmpty()) {
                items.put("applicable_conditions", String.join(", ", m.applicableConditions()));
            }
            if (!m.command().isEmpty()) {
                items.put("command", ShellWords.join(m.command()));
            }
            items.putAll(m.items());
            lines.add(new ConfigLine(prefix + "connection_spec", items.remove("connection_spec"), origin, true));
            items.forEach((item, value) -> lines.add(new ConfigLine(prefix + item, value, origin, true)));
        }
        return lines;
    }
}
