package dev.miltermanager.milter;

import dev.miltermanager.protocol.MacroStage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The macros received on one connection, by stage. A stage's macros replace that stage's earlier ones; an event
 * drops the macros of the stages after it (a new MAIL forgets the last message's recipient, data and end macros),
 * so what a callback reads always belongs to the current connection and message.
 *
 * <p>Lookup follows libmilter's {@code smfi_getsymval}: the latest stage first (in wire numbering, so EOH before
 * EOM), and a one-letter name matches with or without braces ({@code i} and {@code {i}}).
 *
 * <p>Not thread-safe: owned by one session.
 */
final class MacroStore {
    private final EnumMap<MacroStage, Map<String, String>> byStage = new EnumMap<>(MacroStage.class);

    /** Stores the macros that arrived for a stage. */
    void put(MacroStage stage, Map<String, String> macros) {
        byStage.put(stage, Collections.unmodifiableMap(new LinkedHashMap<>(macros)));
    }

    /** Forgets the macros of every stage numbered after {@code stage}. */
    void clearAfter(MacroStage stage) {
        byStage.keySet().removeIf(s -> s.wireValue() > stage.wireValue());
    }

    /** Forgets everything (a new connection). */
    void clear() {
        byStage.clear();
    }

    Map<String, String> stage(MacroStage stage) {
        return byStage.getOrDefault(stage, Map.of());
    }

    Optional<String> lookup(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.empty();
        }
        String alias = alias(name);
        MacroStage[] stages = MacroStage.values();
        for (int wire = stages.length - 1; wire >= 0; wire--) {
            Map<String, String> macros = byStage.get(MacroStage.ofWireValue(wire));
            if (macros == null) {
                continue;
            }
            for (Map.Entry<String, String> e : macros.entrySet()) {
                if (e.getKey().equals(name) || e.getKey().equals(alias)) {
                    return Optional.of(e.getValue());
                }
            }
        }
        return Optional.empty();
    }

    /** Every macro received, a later stage's value winning over an earlier one's of the same name. */
    Map<String, String> merged() {
        Map<String, String> merged = new LinkedHashMap<>();
        for (int wire = 0; wire < MacroStage.values().length; wire++) {
            Map<String, String> macros = byStage.get(MacroStage.ofWireValue(wire));
            if (macros != null) {
                merged.putAll(macros);
            }
        }
        return Collections.unmodifiableMap(merged);
    }

    /** The other spelling of a one-letter macro name: {@code i} for {@code {i}} and back; else {@code null}. */
    private static String alias(String name) {
        if (name.length() == 1) {
            return "{" + name + "}";
        }
        if (name.length() == 3 && name.charAt(0) == '{' && name.charAt(2) == '}') {
            return name.substring(1, 2);
        }
        return null;
    }
}
