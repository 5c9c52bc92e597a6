package dev.miltermanager.config;

import java.util.List;

/**
 * What {@link MilterDetector} found: the milters, in the platform's candidate order, and the problems it met.
 * Problems never stop detection: a value that cannot be used (an unexpanded {@code $VAR}, an invalid connection
 * spec, an unreadable file) is reported here as {@code file:line: what is wrong} and the milter is skipped.
 *
 * @param milters the detected milters, in the platform's candidate order
 * @param problems one line per problem, {@code file:line: what is wrong}
 */
public record DetectionResult(List<DetectedMilter> milters, List<String> problems) {

    public DetectionResult {
        milters = List.copyOf(milters);
        problems = List.copyOf(problems);
    }

    /** The milter of that name, if detected. */
    public java.util.Optional<DetectedMilter> milter(String name) {
        return milters.stream().filter(m -> m.name().equals(name)).findFirst();
    }
}
