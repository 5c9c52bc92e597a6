package dev.miltermanager.manager;

import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one child milter across every session of a manager: answers by stage and status, failures by
 * stage, connection results, time spent waiting for the child by stage, and how often each of its conditions
 * stopped it. Thread-safe; reads are cheap and may lag writes slightly.
 */
public final class ChildStatistics {
    private static final int STAGES = Stage.values().length;
    private static final int STATUSES = Status.values().length;

    private final String name;
    private final LongAdder[] answers = adders(STAGES * STATUSES);
    private final LongAdder[] failures = adders(STAGES);
    private final LongAdder[] waitNanos = adders(STAGES);
    private volatile List<String> conditionNames = List.of();
    private final Map<String, LongAdder> stops = new ConcurrentHashMap<>();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder keptConnectionsUsed = new LongAdder();
    private volatile Connect lastConnect;

    ChildStatistics(String name) {
        this.name = name;
    }

    /** The child's conditions in the current configuration; counts of conditions it no longer has are kept. */
    void conditionNames(List<String> names) {
        for (String condition : names) {
            stops.putIfAbsent(condition, new LongAdder());
        }
        conditionNames = List.copyOf(names);
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

    /**
     * How often each condition of the child stopped it, by the condition's name ({@link ChildConfig#conditionNames()}),
     * in the child's order, zeros included. A stop counts once per event: per connection at CONNECT or HELO, per
     * message at MAIL, per recipient at RCPT, and once at the event of DATA to end of message that stopped it. When
     * several conditions would stop the child, the first in order is counted (the others are not asked). A snapshot,
     * unmodifiable.
     */
    public Map<String, Long> stops() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String condition : conditionNames) {
            counts.put(condition, stops.get(condition).sum());
        }
        return Collections.unmodifiableMap(counts);
    }

    /** How often the condition of this name stopped the child; 0 for a name the child does not have. */
    public long stops(String conditionName) {
        LongAdder n = stops.get(conditionName);
        return n == null ? 0 : n.sum();
    }

    void recordStop(String conditionName) {
        stops.computeIfAbsent(conditionName, k -> new LongAdder()).increment();
    }

    /** How often connecting to the child and negotiating with it failed. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /**
     * How many sessions used a connection kept from an earlier session ({@link ChildConfig#reuseConnection()})
     * instead of connecting.
     */
    public long keptConnectionsUsed() {
        return keptConnectionsUsed.sum();
    }

    void recordKeptConnectionUsed() {
        keptConnectionsUsed.increment();
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
