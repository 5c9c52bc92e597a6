package dev.miltermanager.james;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The {@code milters} parameter: the child milters in order, one entry per line (or separated by {@code ;}), each
 * {@code NAME=SPEC} as the daemon's {@code --milter} option, then per-child options {@code item=value} with the
 * reference's {@code milter.NAME.*} item names:
 *
 * <pre>
 * clamav=unix:/run/clamav/clamav-milter.ctl fallback_status=temporary-failure
 * opendkim=inet:8891@[127.0.0.1] reading_timeout=10 evaluation_mode=yes
 * </pre>
 */
final class MilterList {
    static final List<String> OPTIONS = List.of("enabled", "fallback_status", "evaluation_mode",
            "connection_timeout", "writing_timeout", "reading_timeout", "end_of_message_timeout", "reuse_connection");

    private MilterList() {
    }

    /**
     * Parses the entries; {@code defaults} sets the mailet-wide child settings on each builder first.
     *
     * @throws IllegalArgumentException naming the entry and what is wrong with it
     */
    static List<ChildConfig> parse(String text, UnaryOperator<ChildConfig.Builder> defaults) {
        List<ChildConfig> children = new ArrayList<>();
        int number = 0;
        for (String entry : text.split("[;\\r\\n]")) {
            if (entry.isBlank() || entry.strip().startsWith("#")) {
                continue;
            }
            number++;
            try {
                children.add(child(entry.strip(), defaults));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + number + " '" + entry.strip() + "': " + e.getMessage(), e);
            }
        }
        if (children.isEmpty()) {
            throw new IllegalArgumentException("no child milter is listed (expected NAME=SPEC entries, one per line,"
                    + " for example clamav=unix:/run/clamav/clamav-milter.ctl)");
        }
        return children;
    }

    private static ChildConfig child(String entry, UnaryOperator<ChildConfig.Builder> defaults) {
        String[] words = entry.split("\\s+");
        int eq = words[0].indexOf('=');
        if (eq <= 0 || eq == words[0].length() - 1) {
            throw new IllegalArgumentException("expected NAME=SPEC first, for example clamav=unix:/run/clamav.sock");
        }
        ChildConfig.Builder b = defaults.apply(ChildConfig.builder(words[0].substring(0, eq),
                ConnectionSpec.parse(words[0].substring(eq + 1))));
        for (int i = 1; i < words.length; i++) {
            option(b, words[i]);
        }
        return b.build();
    }

    private static void option(ChildConfig.Builder b, String word) {
        int eq = word.indexOf('=');
        String item = eq < 0 ? word : word.substring(0, eq).toLowerCase(Locale.ROOT).replace('-', '_');
        if (eq < 0 || !OPTIONS.contains(item)) {
            throw new IllegalArgumentException("unknown option '" + word + "' (expected item=value with item one of "
                    + String.join(", ", OPTIONS) + ")");
        }
        String value = word.substring(eq + 1);
        try {
            switch (item) {
                case "enabled" -> b.enabled(bool(value));
                case "fallback_status" -> b.fallbackStatus(Status.parse(value));
                case "evaluation_mode" -> b.evaluationMode(bool(value));
                case "connection_timeout" -> b.connectionTimeout(Durations.parse(value));
                case "writing_timeout" -> b.writingTimeout(Durations.parse(value));
                case "reading_timeout" -> b.readingTimeout(Durations.parse(value));
                case "reuse_connection" -> b.reuseConnection(bool(value));
                default -> b.endOfMessageTimeout(Durations.parse(value));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(item + ": " + e.getMessage(), e);
        }
    }

    /** {@code true}/{@code yes}/{@code on} or {@code false}/{@code no}/{@code off}, as the reference reads them. */
    static boolean bool(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not a boolean (expected true or false)");
        };
    }
}
