package dev.miltermanager.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a milter's own configuration file says about its socket (and, for milter-greylist, its timeouts).
 *
 * @param socket the socket value as written, with its origin; empty when the file does not say
 * @param items per-milter items the file implies ({@code writing_timeout}, {@code reading_timeout})
 * @param unconfigured the file says the milter is not set up yet (clamav-milter's {@code Example} line): the milter
 *     is not detected, whatever its service settings say
 */
record MilterOwnConfig(Optional<Setting> socket, Map<String, String> items, boolean unconfigured) {
    private static final Pattern GREYLIST_SOCKET = Pattern.compile("^\\s*socket\\s+\"([^\"]*)\"");
    private static final Pattern TARPIT = Pattern.compile("\\btarpit\\s+(\\d+)([smhdw]?)\\b");

    static final MilterOwnConfig NONE = new MilterOwnConfig(Optional.empty(), Map.of(), false);

    /** Reads {@code file} as {@code kind}'s configuration; problems (an {@code Example} line) go to {@code problems}. */
    static MilterOwnConfig read(MilterKind kind, SystemFile file, List<String> problems) {
        if (!file.isRegularFile()) {
            return NONE;
        }
        return switch (kind) {
            case OPENDKIM, OPENDMARC -> new MilterOwnConfig(keyword(file, "Socket"), Map.of(), false);
            case CLAMAV -> clamav(file, problems);
            case GREYLIST -> greylist(file);
            case GENERIC, RSPAMD -> NONE;
        };
    }

    /** The value of the first {@code Keyword value} line (keyword case-insensitive; {@code #} starts a comment). */
    static Optional<Setting> keyword(SystemFile file, String keyword) {
        List<String> lines = file.lines();
        for (int i = 0; i < lines.size(); i++) {
            String line = stripComment(lines.get(i)).strip();
            String[] parts = line.split("\\s+", 2);
            if (parts[0].toLowerCase(Locale.ROOT).equals(keyword.toLowerCase(Locale.ROOT))) {
                String value = parts.length > 1 ? parts[1].strip() : "";
                return Optional.of(new Setting(value, file.origin(i + 1)));
            }
        }
        return Optional.empty();
    }

    private static MilterOwnConfig clamav(SystemFile file, List<String> problems) {
        List<String> lines = file.lines();
        for (int i = 0; i < lines.size(); i++) {
            if (stripComment(lines.get(i)).strip().equals("Example")) {
                problems.add(file.origin(i + 1) + ": the file still has its 'Example' line, so clamav-milter is"
                        + " not configured yet; skipped");
                return new MilterOwnConfig(Optional.empty(), Map.of(), true);
            }
        }
        return new MilterOwnConfig(keyword(file, "MilterSocket"), Map.of(), false);
    }

    private static MilterOwnConfig greylist(SystemFile file) {
        Optional<Setting> socket = Optional.empty();
        long tarpit = 0;
        List<String> lines = file.lines();
        List<int[]> starts = new ArrayList<>();
        List<String> joined = joinContinued(lines, starts);
        for (int i = 0; i < joined.size(); i++) {
            String line = joined.get(i);
            if (line.stripLeading().startsWith("#")) {
                continue;
            }
            Matcher s = GREYLIST_SOCKET.matcher(line);
            if (s.find() && socket.isEmpty()) {
                socket = Optional.of(new Setting(s.group(1), file.origin(starts.get(i)[0])));
            }
            if (line.matches("^\\s*r?acl\\s.*")) {
                Matcher t = TARPIT.matcher(line);
                while (t.find()) {
                    tarpit = Math.max(tarpit, seconds(Long.parseLong(t.group(1)), t.group(2)));
                }
            }
        }
        Map<String, String> items = Map.of();
        if (tarpit > 0) {
            items = Map.of("writing_timeout", seconds(Duration.ofSeconds(7 + tarpit)),
                    "reading_timeout", seconds(Duration.ofSeconds(7 + tarpit)));
        }
        return new MilterOwnConfig(socket, items, false);
    }

    private static String seconds(Duration d) {
        return Long.toString(d.toSeconds());
    }

    private static long seconds(long n, String unit) {
        return switch (unit) {
            case "m" -> n * 60;
            case "h" -> n * 3600;
            case "d" -> n * 86400;
            case "w" -> n * 604800;
            default -> n;
        };
    }

    /** Lines ending in a backslash continue on the next; {@code starts} gets each joined line's first line number. */
    private static List<String> joinContinued(List<String> lines, List<int[]> starts) {
        List<String> joined = new ArrayList<>();
        StringBuilder current = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (current == null) {
                current = new StringBuilder();
                starts.add(new int[] {i + 1});
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                joined.add(current.append(line).toString());
                current = null;
            }
        }
        if (current != null) {
            joined.add(current.toString());
        }
        return joined;
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }
}
