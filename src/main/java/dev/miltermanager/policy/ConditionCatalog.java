package dev.miltermanager.policy;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conditions a configuration can name: those of every {@link ConditionProvider} found through {@link
 * ServiceLoader} (the built-in ones among them), created from one configuration's parameters, plus any class
 * implementing {@link ApplicabilityPolicy} named by its fully qualified class name. A catalog belongs to one
 * configuration load: reloading the configuration creates a new one.
 *
 * {@snippet :
 * ConditionCatalog catalog = ConditionCatalog.load(List.of(
 *         ConditionParameter.of("s25r.add_whitelist", "/\\.example\\.com\\z/")));
 * ApplicabilityPolicy s25r = catalog.get("S25R");
 * ApplicabilityPolicy mine = catalog.get("com.example.OfficeHoursPolicy");
 * }
 */
public final class ConditionCatalog {

    private final ClassLoader loader;
    private final Map<String, Entry> byKey;
    private final Map<String, ApplicabilityPolicy> classes = new ConcurrentHashMap<>();

    private record Entry(String name, String description, ApplicabilityPolicy policy) {}

    private ConditionCatalog(ClassLoader loader, Map<String, Entry> byKey) {
        this.loader = loader;
        this.byKey = byKey;
    }

    /** The catalog of the providers visible to this library's class loader. */
    public static ConditionCatalog load(List<ConditionParameter> parameters) {
        return load(ConditionCatalog.class.getClassLoader(), parameters);
    }

    /**
     * The catalog of the providers visible to {@code loader}, each created from the parameters with its prefix.
     *
     * @throws InvalidConditionParameterException when a parameter's prefix belongs to no provider, or a provider
     *     refuses one of its parameters
     * @throws IllegalStateException when a provider cannot be loaded, or two providers claim the same name or prefix
     */
    public static ConditionCatalog load(ClassLoader loader, List<ConditionParameter> parameters) {
        Objects.requireNonNull(loader, "loader");
        List<ConditionProvider> providers = providers(loader);
        Map<String, ConditionProvider> byPrefix = new LinkedHashMap<>();
        for (ConditionProvider provider : providers) {
            String prefix = provider.parameterPrefix();
            if (prefix.isEmpty()) {
                continue;
            }
            ConditionProvider other = byPrefix.putIfAbsent(prefix, provider);
            if (other != null) {
                throw new IllegalStateException("condition providers " + other.getClass().getName() + " and "
                        + provider.getClass().getName() + " both claim the parameter prefix " + prefix);
            }
        }
        Map<String, List<ConditionParameter>> grouped = new LinkedHashMap<>();
        for (ConditionParameter p : parameters) {
            if (!byPrefix.containsKey(p.prefix())) {
                throw new InvalidConditionParameterException(p,
                        "a parameter of a condition, whose key starts with one of " + byPrefix.keySet());
            }
            grouped.computeIfAbsent(p.prefix(), k -> new ArrayList<>()).add(p);
        }
        Map<String, Entry> byKey = new LinkedHashMap<>();
        for (ConditionProvider provider : providers) {
            List<ConditionParameter> own = grouped.getOrDefault(provider.parameterPrefix(), List.of());
            Map<String, ApplicabilityPolicy> created = provider.create(ConditionParameters.of(own));
            for (String name : provider.names()) {
                ApplicabilityPolicy policy = created.get(name);
                if (policy == null) {
                    throw new IllegalStateException(provider.getClass().getName() + " did not create its condition "
                            + name);
                }
                Entry previous = byKey.putIfAbsent(key(name), new Entry(name, provider.description(name), policy));
                if (previous != null) {
                    throw new IllegalStateException("two condition providers define " + name);
                }
            }
        }
        return new ConditionCatalog(loader, byKey);
    }

    private static List<ConditionProvider> providers(ClassLoader loader) {
        try {
            List<ConditionProvider> found = new ArrayList<>();
            ServiceLoader.load(ConditionProvider.class, loader).forEach(found::add);
            return found;
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load a condition provider: " + e.getMessage(), e);
        }
    }

    private static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT);
    }

    /** The names of the provided conditions, in the order their providers were found. */
    public List<String> names() {
        return byKey.values().stream().map(Entry::name).toList();
    }

    /** The description of a provided condition. */
    public Optional<String> description(String name) {
        return Optional.ofNullable(byKey.get(key(name))).map(Entry::description);
    }

    /**
     * The condition with this name (compared ignoring case), or, for a fully qualified class name, a new instance of
     * that class (one per catalog), which must implement {@link ApplicabilityPolicy} and have a public no-argument
     * constructor.
     *
     * @throws IllegalArgumentException naming the known conditions when there is no such condition or class
     */
    public ApplicabilityPolicy get(String name) {
        Objects.requireNonNull(name, "name");
        Entry entry = byKey.get(key(name));
        if (entry != null) {
            return entry.policy();
        }
        if (!looksLikeClassName(name)) {
            throw unknown(name, "");
        }
        return classes.computeIfAbsent(name, this::instantiate);
    }

    private ApplicabilityPolicy instantiate(String className) {
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw unknown(className, " (no such class: " + e.getMessage() + ")");
        }
        if (!ApplicabilityPolicy.class.isAssignableFrom(type)) {
            throw unknown(className, " (the class does not implement " + ApplicabilityPolicy.class.getName() + ")");
        }
        try {
            return (ApplicabilityPolicy) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw unknown(className, " (the class has no public no-argument constructor)");
        } catch (InstantiationException | InvocationTargetException e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new IllegalArgumentException("cannot create the condition " + className + ": " + cause, cause);
        }
    }

    private IllegalArgumentException unknown(String name, String detail) {
        return new IllegalArgumentException("unknown applicable condition: " + name + detail + "; expected one of "
                + names() + " or the name of a class implementing " + ApplicabilityPolicy.class.getName());
    }

    private static boolean looksLikeClassName(String name) {
        if (!name.contains(".")) {
            return false;
        }
        for (String part : name.split("\\.", -1)) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.charAt(0))
                    || !part.chars().allMatch(Character::isJavaIdentifierPart)) {
                return false;
            }
        }
        return true;
    }
}
