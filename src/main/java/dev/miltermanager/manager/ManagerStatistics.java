package dev.miltermanager.manager;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of a manager: sessions started and finished, and per child the answers, failures, connection
 * results and latencies ({@link ChildStatistics}). The counters outlive reconfigurations: a child keeps its
 * counters across {@link MilterManager#reconfigure}, and a child removed then added again under the same name
 * carries on from where it was. Thread-safe.
 */
public final class ManagerStatistics {
    private final Map<String, ChildStatistics> everyChild = new ConcurrentHashMap<>();
    private volatile List<String> configured = List.of();
    private final LongAdder sessionsStarted = new LongAdder();
    private final LongAdder sessionsFinished = new LongAdder();
    private final Instant startedAt = Instant.now();

    ManagerStatistics(MilterManagerConfig config) {
        configure(config);
    }

    /** The statistics of each child of the current configuration, in configuration order. */
    public Map<String, ChildStatistics> children() {
        Map<String, ChildStatistics> map = new LinkedHashMap<>();
        configured.forEach(name -> map.put(name, child(name)));
        return Collections.unmodifiableMap(map);
    }

    /** Sessions started since the manager was created. */
    public long sessionsStarted() {
        return sessionsStarted.sum();
    }

    /** Sessions finished since the manager was created. */
    public long sessionsFinished() {
        return sessionsFinished.sum();
    }

    /** When the manager was created. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The counters of a child by name, created on first use (a session may outlive its child's configuration). */
    ChildStatistics child(String name) {
        return everyChild.computeIfAbsent(name, ChildStatistics::new);
    }

    void configure(MilterManagerConfig config) {
        List<String> names = config.children().stream().map(ChildConfig::name).toList();
        names.forEach(this::child);
        configured = names;
    }

    void sessionStarted() {
        sessionsStarted.increment();
    }

    void sessionFinished() {
        sessionsFinished.increment();
    }
}
