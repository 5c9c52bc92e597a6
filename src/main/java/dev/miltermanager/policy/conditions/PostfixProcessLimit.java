package dev.miltermanager.policy.conditions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * How many SMTP server processes Postfix runs at most: the {@code maxproc} column of the {@code smtp inet} service
 * in {@code master.cf}, or, when it is {@code -}, {@code default_process_limit} from {@code main.cf} in the same
 * directory (Postfix's default 100). 0 means no limit.
 */
final class PostfixProcessLimit {
    static final int POSTFIX_DEFAULT_PROCESS_LIMIT = 100;

    private PostfixProcessLimit() {
    }

    /**
     * The limit from this {@code master.cf}, or empty when it has no {@code smtp inet} service.
     *
     * @throws IOException when {@code master.cf} cannot be read
     */
    static OptionalInt read(Path masterCf) throws IOException {
        for (String line : Files.readAllLines(masterCf, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || Character.isWhitespace(line.charAt(0)) || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.strip().split("\\s+");
            if (fields.length < 8 || !isSmtpService(fields[0]) || !fields[1].equals("inet")) {
                continue;
            }
            if (fields[6].equals("-")) {
                return OptionalInt.of(defaultProcessLimit(masterCf.resolveSibling("main.cf")));
            }
            try {
                return OptionalInt.of(Integer.parseInt(fields[6]));
            } catch (NumberFormatException e) {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.empty();
    }

    /** {@code smtp}, or {@code smtp} on a given address ({@code 127.0.0.1:smtp}, {@code [::1]:smtp}). */
    private static boolean isSmtpService(String service) {
        return service.equals("smtp") || service.endsWith(":smtp");
    }

    /** {@code default_process_limit} of {@code main.cf}, the last one set; Postfix's default when unset or unreadable. */
    static int defaultProcessLimit(Path mainCf) {
        List<String> lines;
        try {
            lines = Files.readAllLines(mainCf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return POSTFIX_DEFAULT_PROCESS_LIMIT;
        }
        int limit = POSTFIX_DEFAULT_PROCESS_LIMIT;
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#") && !Character.isWhitespace(line.charAt(0))
                    && line.substring(0, eq).strip().equals("default_process_limit")) {
                try {
                    limit = Integer.parseInt(line.substring(eq + 1).strip());
                } catch (NumberFormatException e) {
                    // a $parameter or garbage: Postfix would refuse it; keep the default
                }
            }
        }
        return limit;
    }
}
