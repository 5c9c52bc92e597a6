package dev.miltermanager.manager;

import dev.miltermanager.protocol.Status;
import java.util.Locale;

/**
 * The reference's end-of-session statistics lines, {@code [milter][end][state][status][elapsed](tag): name} and
 * {@code [session][end][state][status][elapsed](tag)}, which existing log analysers parse.
 */
final class EndLine {
    private EndLine() {
    }

    /**
     * The line's head: {@code [prefix][end][state][status][elapsed](tag)}. A last status of continue (or none)
     * prints as {@code pass}; seconds always with a dot, whatever the machine's locale.
     */
    static String format(String prefix, String lastState, Status lastStatus, long startNanos, String tag) {
        String status = lastStatus == null || lastStatus == Status.CONTINUE ? "pass" : lastStatus.configName();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "[%s][end][%s][%s][%.6f](%s)", prefix, lastState, status, elapsed, tag);
    }
}
