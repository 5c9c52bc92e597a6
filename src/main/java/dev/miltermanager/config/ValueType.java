package dev.miltermanager.config;

import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How one kind of configuration value is read and written back. {@link #parse} gives the typed value or throws an
 * {@link IllegalArgumentException} whose message says what was expected ("true or false"); {@link #format} writes
 * a value so that {@code parse} reads it back equal. An empty value means "unset" where {@link #optional} is true.
 */
interface ValueType {

    /** The typed value of a non-empty text. */
    Object parse(String text);

    /** The text a configuration file writes for {@code value}. */
    default String format(Object value) {
        return String.valueOf(value);
    }

    /** Whether an empty value (unset) is allowed. */
    default boolean optional() {
        return false;
    }

    /** What a value of this type looks like, for the documentation and error messages. */
    String expected();

    ValueType BOOLEAN = new Simple("true or false (also yes or no)") {
        @Override
        public Object parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "yes" -> Boolean.TRUE;
                case "false", "no" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException(expected());
            };
        }
    };

    ValueType STATUS = new Simple("accept, temporary-failure, reject or discard") {
        @Override
        public Object parse(String text) {
            Status s;
            try {
                s = Status.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(expected(), e);
            }
            if (!(s == Status.ACCEPT || s.isFinal())) {
                throw new IllegalArgumentException(expected());
            }
            return s;
        }

        @Override
        public String format(Object value) {
            return ((Status) value).configName();
        }
    };

    ValueType CONNECTION_SPEC = new Simple("a connection spec: unix:PATH, inet:PORT[@HOST|@[ADDRESS]] or "
            + "inet6:PORT[@HOST|@[ADDRESS]]") {
        @Override
        public Object parse(String text) {
            try {
                return ConnectionSpec.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(expected() + " (" + e.getMessage() + ")", e);
            }
        }
    };

    ValueType OCTAL_MODE = new Simple("an octal permission mode from 0 to 0777, such as 0660") {
        @Override
        public Object parse(String text) {
            if (!text.matches("0?[0-7]{1,3}")) {
                throw new IllegalArgumentException(expected());
            }
            return Integer.parseInt(text, 8);
        }

        @Override
        public String format(Object value) {
            return String.format(Locale.ROOT, "0%03o", (Integer) value);
        }
    };

    ValueType TEXT = new Simple("any text") {
        @Override
        public Object parse(String text) {
            return text;
        }

        @Override
        public boolean optional() {
            return true;
        }
    };

    ValueType NAME = new Simple("a name (user or group)") {
        @Override
        public Object parse(String text) {
            if (!text.matches("[A-Za-z0-9_.][A-Za-z0-9_.-]*\\$?")) {
                throw new IllegalArgumentException(expected());
            }
            return text;
        }

        @Override
        public boolean optional() {
            return true;
        }
    };

    ValueType PATH = new Simple("a file path") {
        @Override
        public Object parse(String text) {
            try {
                return Path.of(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(expected(), e);
            }
        }

        @Override
        public boolean optional() {
            return true;
        }
    };

    ValueType OPTIONAL_CONNECTION_SPEC = optional(CONNECTION_SPEC);

    ValueType LOG_LEVEL = new Simple("log levels " + LogLevels.NAMES + ", several joined by |") {
        @Override
        public Object parse(String text) {
            return LogLevels.parse(text);
        }
    };

    ValueType WORDS = new Simple("a command line: words separated by spaces, quoted with ' or \" where needed") {
        @Override
        public Object parse(String text) {
            return ShellWords.split(text);
        }

        @Override
        @SuppressWarnings("unchecked")
        public String format(Object value) {
            return ShellWords.join((List<String>) value);
        }

        @Override
        public boolean optional() {
            return true;
        }
    };

    ValueType NAME_LIST = new Simple("names separated by commas") {
        @Override
        public Object parse(String text) {
            List<String> names = new ArrayList<>();
            for (String part : text.split(",")) {
                String name = part.strip();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException(expected() + " (an empty name)");
                }
                names.add(name);
            }
            return List.copyOf(names);
        }

        @Override
        @SuppressWarnings("unchecked")
        public String format(Object value) {
            return String.join(", ", (List<String>) value);
        }

        @Override
        public boolean optional() {
            return true;
        }
    };

    ValueType CHUNK_SIZE = integer(1, PacketLimits.CHUNK_BYTES);
    ValueType COUNT = integer(0, Integer.MAX_VALUE);

    /** Whole numbers from {@code min} to {@code max}. */
    static ValueType integer(long min, long max) {
        String what = max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? "a whole number, " + min + " or more"
                : "a whole number from " + min + " to " + max;
        return new Simple(what) {
            @Override
            public Object parse(String text) {
                long n;
                try {
                    n = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(expected(), e);
                }
                if (n < min || n > max) {
                    throw new IllegalArgumentException(expected());
                }
                return max <= Integer.MAX_VALUE ? (Object) (int) n : (Object) n;
            }
        };
    }

    /** Seconds, decimals allowed ({@code 297}, {@code 0.5}); {@code positive} excludes 0. */
    static ValueType seconds(boolean positive) {
        return new Simple(positive ? "a number of seconds above 0 (decimals allowed)"
                : "a number of seconds, 0 or more (decimals allowed)") {
            @Override
            public Object parse(String text) {
                BigDecimal s;
                try {
                    s = new BigDecimal(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(expected(), e);
                }
                if (s.signum() < 0 || (positive && s.signum() == 0) || s.compareTo(BigDecimal.valueOf(1L << 31)) > 0) {
                    throw new IllegalArgumentException(expected());
                }
                return Duration.ofNanos(s.movePointRight(9).longValue());
            }

            @Override
            public String format(Object value) {
                Duration d = (Duration) value;
                return BigDecimal.valueOf(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
            }
        };
    }

    /** One of fixed words. */
    static ValueType oneOf(String... words) {
        Set<String> set = Set.of(words);
        return new Simple(String.join(", ", Arrays.asList(words))) {
            @Override
            public Object parse(String text) {
                String w = text.toLowerCase(Locale.ROOT);
                if (!set.contains(w)) {
                    throw new IllegalArgumentException("one of " + expected());
                }
                return w;
            }
        };
    }

    /** The same type, where an empty value means unset. */
    static ValueType optional(ValueType type) {
        return new Simple(type.expected()) {
            @Override
            public Object parse(String text) {
                return type.parse(text);
            }

            @Override
            public String format(Object value) {
                return type.format(value);
            }

            @Override
            public boolean optional() {
                return true;
            }
        };
    }

    /** Base of the types above: holds the description. */
    abstract class Simple implements ValueType {
        private final String expected;

        Simple(String expected) {
            this.expected = expected;
        }

        @Override
        public String expected() {
            return expected;
        }
    }
}
