package dev.miltermanager.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GNU-style command-line parsing shared by the tools: {@code --name=value}, {@code --name value}, {@code -x value},
 * flags ({@code --name}), options that may repeat, and operands. Unknown options are errors naming the option.
 */
final class Arguments {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> operands = new ArrayList<>();

    private Arguments() {
    }

    /**
     * @param withValue long names of options taking a value
     * @param flags long names of options taking none ({@code name=value} is still accepted for optional values)
     * @param shortNames one-letter aliases to long names
     * @throws IllegalArgumentException for an unknown option or a missing value
     */
    static Arguments parse(String[] args, Set<String> withValue, Set<String> flags, Map<Character, String> shortNames) {
        Arguments parsed = new Arguments();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                parsed.operands.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            String name;
            String value = null;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
                value = eq < 0 ? null : arg.substring(eq + 1);
            } else if (arg.startsWith("-") && arg.length() >= 2) {
                name = shortNames.get(arg.charAt(1));
                if (name == null) {
                    throw new IllegalArgumentException("unknown option " + arg);
                }
                if (arg.length() > 2) {
                    value = arg.substring(2);
                }
            } else {
                parsed.operands.add(arg);
                continue;
            }
            if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
            } else if (!flags.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            } else if (value == null) {
                value = "";
            }
            parsed.values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parsed;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value given, or {@code fallback}. */
    String get(String name, String fallback) {
        List<String> all = values.get(name);
        return all == null ? fallback : all.getLast();
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int integer(String name, int fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a whole number, not '" + v + "'");
        }
    }

    double number(String name, double fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, not '" + v + "'");
        }
    }

    List<String> operands() {
        return operands;
    }

    /** Splits {@code NAME:VALUE} at the first colon. */
    static String[] nameValue(String option, String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--" + option + " should be 'NAME:VALUE', not '" + text + "'");
        }
        return new String[] {text.substring(0, colon), text.substring(colon + 1)};
    }
}
