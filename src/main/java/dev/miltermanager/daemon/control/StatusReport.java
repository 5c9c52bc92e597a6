package dev.miltermanager.daemon.control;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.ChildStatistics;
import dev.miltermanager.manager.ManagerStatistics;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code status} report: one {@code key: value} line per fact, one block per child, so that both people and
 * {@code grep}/{@code awk} read it. Every figure comes from the manager's live statistics.
 */
final class StatusReport {

    private StatusReport() {
    }

    static String render(MilterManager manager, Instant now) {
        MilterManagerConfig config = manager.config();
        ManagerStatistics statistics = manager.statistics();
        StringBuilder s = new StringBuilder();
        String version = StatusReport.class.getPackage().getImplementationVersion();
        line(s, "version", version == null ? "(development build)" : version);
        Instant started = statistics.startedAt();
        line(s, "uptime", uptime(Duration.between(started, now)) + " (since " + started.truncatedTo(ChronoUnit.SECONDS)
                + ")");
        line(s, "listening", listening(manager));
        line(s, "sessions", manager.activeSessions() + " open, " + statistics.sessionsStarted() + " started, "
                + statistics.sessionsFinished() + " finished");
        line(s, "fallback-status", config.fallbackStatus().configName());
        line(s, "milters", config.children().size() + " configured, " + config.enabledChildren().size()
                + " enabled");
        for (ChildConfig child : config.children()) {
            ChildStatistics c = statistics.children().get(child.name());
            s.append("milter ").append(child.name()).append(":\n");
            item(s, "connection-spec", child.connectionSpec().toString());
            item(s, "enabled", Boolean.toString(child.enabled()));
            if (child.evaluationMode()) {
                item(s, "evaluation-mode", "true");
            }
            item(s, "reachable", reachable(c));
            item(s, "connect-failures", Long.toString(c.connectFailures()));
            if (child.reuseConnection()) {
                item(s, "kept-connections-used", Long.toString(c.keptConnectionsUsed()));
            }
            item(s, "answers", answers(c));
            item(s, "failures", failures(c));
            item(s, "mean-latency", latencies(c));
        }
        return s.toString();
    }

    private static String listening(MilterManager manager) {
        try {
            return manager.localSpec().toString();
        } catch (IllegalStateException notListening) {
            return "no (in-process sessions only)";
        }
    }

    private static String reachable(ChildStatistics c) {
        return c.lastConnect().map(l -> (l.reached() ? "yes" : "no") + " (last attempt "
                + l.at().truncatedTo(ChronoUnit.SECONDS) + ")").orElse("unknown (no session yet)");
    }

    private static String answers(ChildStatistics c) {
        List<String> parts = new ArrayList<>();
        for (Status status : Status.values()) {
            long n = c.answers(status);
            if (n > 0) {
                parts.add(status.configName() + " " + n);
            }
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String failures(ChildStatistics c) {
        List<String> parts = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            long n = c.failures(stage);
            if (n > 0) {
                parts.add(stageName(stage) + " " + n);
            }
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String latencies(ChildStatistics c) {
        List<String> parts = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            Duration mean = c.meanLatency(stage);
            if (!mean.isZero()) {
                parts.add(stageName(stage) + " " + String.format(Locale.ROOT, "%.3f ms", mean.toNanos() / 1e6));
            }
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String stageName(Stage stage) {
        return stage.name().toLowerCase(Locale.ROOT);
    }

    static String uptime(Duration d) {
        long seconds = Math.max(0, d.toSeconds());
        long days = seconds / 86_400;
        String time = String.format(Locale.ROOT, "%02d:%02d:%02d", seconds / 3600 % 24, seconds / 60 % 60,
                seconds % 60);
        return days > 0 ? days + "d " + time : time;
    }

    private static void line(StringBuilder s, String key, String value) {
        s.append(key).append(": ").append(value).append('\n');
    }

    private static void item(StringBuilder s, String key, String value) {
        s.append("  ").append(key).append(": ").append(value).append('\n');
    }
}
