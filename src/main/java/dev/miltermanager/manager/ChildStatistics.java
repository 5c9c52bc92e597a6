package dev.miltermanager.manager;

import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one child milter across every session of a manager: answers by stage and status, failures by
 * stage, connection results, and time spent waiting for the child by stage. Thread-safe; reads are cheap and may lag writes slightly.
 */
public final class ChildStatistics {
    private static final int STAGES = Stage.values().length;
    private static final int STATUSES = Status.values().length;

    private final String name;
    private final LongAdder[] answers = adders(STAGES * STATUSES);
    private final LongAdder[] failures = adders(STAGES);
    private final LongAdder[] waitNanos = adders(STAGES);
    private final LongAdder connectFailures = new LongAdder();
    private volatile Connect lastConnect;

    ChildStatistics(String name) {
        this.name = name;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** The child's name. */
    public String name() {
        return name;
    }

    /** How often the child answered {@code status} at {@code stage} (failures counted as their fallback too). */
    public long answers(Stage stage, Status status) {
        return answers[stage.ordinal() * STATUSES + status.ordinal()].sum();
    }

    /** How often the child answered {@code status}, at any stage. */
    public long answers(Status status) {
        long n = 0;
        for (Stage stage : Stage.values()) {
            n += answers(stage, status);
        }
        return n;
    }

    /** How often the child failed (timeout, I/O error, protocol violation, close) at {@code stage}. */
    public long failures(Stage stage) {
        return failures[stage.ordinal()].sum();
    }

    /** The mean time the child took to answer at {@code stage}, or zero before any answer. */
    public Duration meanLatency(Stage stage) {
        long n = 0;
        for (Status status : Status.values()) {
            n += answers(stage, status);
        }
        return n == 0 ? Duration.ZERO : Duration.ofNanos(waitNanos[stage.ordinal()].sum() / n);
    }

    /** How often connecting to the child and negotiating with it failed. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /** The result of the latest attempt to connect to the child and negotiate, empty before the first session. */
    public Optional<Connect> lastConnect() {
        return Optional.ofNullable(lastConnect);
    }

    /**
     * One attempt to connect to a child and negotiate with it.
     *
     * @param at when the attempt ended
     * @param reached whether the child was connected and agreed to the negotiation
     */
    public record Connect(Instant at, boolean reached) {
    }

    void recordConnect(boolean reached) {
        if (!reached) {
            connectFailures.increment();
        }
        lastConnect = new Connect(Instant.now(), reached);
    }

    void record(Stage stage, Status status, long nanos) {
        answers[stage.ordinal() * STATUSES + status.ordinal()].increment();
        waitNanos[stage.ordinal()].add(nanos);
    }

    void recordFailure(Stage stage) {
        failures[stage.ordinal()].increment();
    }

    @Override
    public String toString() {
        return "ChildStatistics[" + name + "]";
    }
}
