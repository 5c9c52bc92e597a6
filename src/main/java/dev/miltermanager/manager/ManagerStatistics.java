package dev.miltermanager.manager;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of a manager: sessions started and finished, and per child the answers, failures and latencies
 * ({@link ChildStatistics}). Thread-safe.
 */
public final class ManagerStatistics {
    private final Map<String, ChildStatistics> children;
    private final LongAdder sessionsStarted = new LongAdder();
    private final LongAdder sessionsFinished = new LongAdder();

    ManagerStatistics(MilterManagerConfig config) {
        Map<String, ChildStatistics> map = new LinkedHashMap<>();
        config.children().forEach(c -> map.put(c.name(), new ChildStatistics(c.name(), c.conditionNames())));
        this.children = Collections.unmodifiableMap(map);
    }

    /** The statistics of each configured child, in configuration order. */
    public Map<String, ChildStatistics> children() {
        return children;
    }

    /** Sessions started since the manager was created. */
    public long sessionsStarted() {
        return sessionsStarted.sum();
    }

    /** Sessions finished since the manager was created. */
    public long sessionsFinished() {
        return sessionsFinished.sum();
    }

    ChildStatistics child(String name) {
        return children.get(name);
    }

    void sessionStarted() {
        sessionsStarted.increment();
    }

    void sessionFinished() {
        sessionsFinished.increment();
    }
}
