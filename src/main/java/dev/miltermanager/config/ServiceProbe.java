package dev.miltermanager.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a platform reader learned about one installed service: enough to make a {@link DetectedMilter} once a
 * socket is settled. The socket sources are tried in order, lazily (one may run a command), and the first usable
 * one wins; an unusable one is reported and the next is tried. Not thread-safe.
 */
final class ServiceProbe {
    final String name;
    final SystemFile definition;
    String description = "";
    boolean enabled;
    List<String> command = List.of();
    final List<Supplier<Optional<Setting>>> sources = new ArrayList<>();
    final Map<String, String> items = new LinkedHashMap<>();
    boolean unconfigured;

    ServiceProbe(String name, SystemFile definition) {
        this.name = name;
        this.definition = definition;
    }

    void source(Supplier<Optional<Setting>> source) {
        sources.add(source);
    }

    void source(Optional<Setting> found) {
        sources.add(() -> found);
    }

    /** The milter, or empty (with a problem said) when no source gives a usable socket. */
    Optional<DetectedMilter> toMilter(List<String> conditions, List<String> problems) {
        if (unconfigured) {
            return Optional.empty();
        }
        for (Supplier<Optional<Setting>> source : sources) {
            Optional<Setting> found = source.get();
            if (found.isEmpty()) {
                continue;
            }
            Optional<String> spec = SpecNormalizer.normalize(found.get(), problems);
            if (spec.isPresent()) {
                return Optional.of(new DetectedMilter(name, description, spec.get(), enabled, conditions, command,
                        found.get().origin(), items));
            }
        }
        problems.add(definition + ": " + name + " is installed but no usable socket was found for it; skipped");
        return Optional.empty();
    }
}
