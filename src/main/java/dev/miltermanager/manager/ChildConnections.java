package dev.miltermanager.manager;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.Negotiated;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.transport.ConnectionSpec;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Child connections kept open between MTA sessions ({@link ChildConfig#reuseConnection()}): a session that ends
 * with a child right after end of message (or before anything was sent to it) leaves the connection here, after
 * telling the child {@code K} (quit, new connection follows) when a session ran on it; the next session with the
 * same child, client options and offer takes it instead of connecting and negotiating again. Connections idle
 * longer than the idle time are closed with QUIT by a sweeper thread; so are those beyond
 * {@link #MAX_IDLE_PER_CHILD}, and all of them at {@link #close()}. Thread-safe; no I/O under the lock.
 */
final class ChildConnections implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChildConnections.class.getName());
    /** How long a kept connection may stay unused before it is closed. */
    static final Duration DEFAULT_IDLE_TIME = Duration.ofSeconds(30);
    /** Kept connections per child and offer; more are closed. */
    static final int MAX_IDLE_PER_CHILD = 256;

    /** What makes a kept connection usable by a session: the same child, client options and offer. */
    record Key(String name, ConnectionSpec spec, ClientOptions options, Command.Negotiate offer) {
        static Key of(ChildConfig child, Command.Negotiate offer) {
            return new Key(child.name(), child.connectionSpec(), child.clientOptions(), offer);
        }

        boolean sameChild(ChildConfig child) {
            return child().equals(ChildId.of(child)) && options.equals(child.clientOptions());
        }

        ChildId child() {
            return new ChildId(name, spec);
        }
    }

    /** A child as {@link #refuse} tells it apart: its name and where it listens. */
    private record ChildId(String name, ConnectionSpec spec) {
        static ChildId of(ChildConfig child) {
            return new ChildId(child.name(), child.connectionSpec());
        }
    }

    /** A connection ready for CONNECT, negotiated as {@code negotiated}, unused since {@code sinceNanos}. */
    record Idle(MilterClient client, Negotiated negotiated, long sinceNanos) {
    }

    private final Duration idleTime;
    private final ThreadFactory threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Key, ArrayDeque<Idle>> idle = new HashMap<>();
    /** Children (name and spec) whose connections are no longer kept: one did not answer after {@code K}. */
    private final Set<ChildId> refused = new HashSet<>();
    private boolean closed;
    private Thread sweeper;

    /** @param threads makes the sweeper's thread, started with the first kept connection */
    ChildConnections(Duration idleTime, ThreadFactory threads) {
        if (idleTime.isNegative() || idleTime.isZero()) {
            throw new IllegalArgumentException("the idle time must be positive: " + idleTime);
        }
        this.idleTime = idleTime;
        this.threads = threads;
    }

    /** The most recently kept connection for {@code key} (its sweeper may not have closed it yet), or null. */
    Idle take(Key key) {
        lock.lock();
        try {
            if (refused.contains(key.child())) {
                return null;
            }
            ArrayDeque<Idle> kept = idle.get(key);
            Idle taken = kept == null ? null : kept.pollFirst();
            if (kept != null && kept.isEmpty()) {
                idle.remove(key);
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Keeps {@code client}, which must be ready for a CONNECT; quits it instead when closed or full. */
    void keep(Key key, MilterClient client, Negotiated negotiated) {
        boolean kept = false;
        lock.lock();
        try {
            if (!closed && !refused.contains(key.child())) {
                ArrayDeque<Idle> queue = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
                if (queue.size() < MAX_IDLE_PER_CHILD) {
                    queue.addFirst(new Idle(client, negotiated, System.nanoTime()));
                    kept = true;
                    startSweeper();
                }
            }
        } finally {
            lock.unlock();
        }
        if (!kept) {
            client.quit();
        }
    }

    /**
     * Keeps no more connections to {@code child} (until the manager restarts) and quits those kept: it did not
     * answer on a kept connection, so it may not implement {@code K}.
     */
    void refuse(ChildConfig child) {
        ChildId id = ChildId.of(child);
        List<Idle> dropped = new ArrayList<>();
        lock.lock();
        try {
            refused.add(id);
            for (Iterator<Map.Entry<Key, ArrayDeque<Idle>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, ArrayDeque<Idle>> entry = it.next();
                if (entry.getKey().child().equals(id)) {
                    dropped.addAll(entry.getValue());
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        quitAll(dropped, "the child did not answer on a kept connection");
    }

    /** How many connections are kept now. */
    int idleCount() {
        lock.lock();
        try {
            return idle.values().stream().mapToInt(ArrayDeque::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the kept connections of children that are no longer configured as they were (after a reload). */
    void retain(Collection<ChildConfig> children) {
        List<Idle> dropped = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Map.Entry<Key, ArrayDeque<Idle>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, ArrayDeque<Idle>> entry = it.next();
                if (children.stream().noneMatch(c -> c.reuseConnection() && entry.getKey().sameChild(c))) {
                    dropped.addAll(entry.getValue());
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        quitAll(dropped, "its child was reconfigured");
    }

    /** Quits every kept connection; later connections offered are quit at once. */
    @Override
    public void close() {
        List<Idle> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        quitAll(all, "the manager is closing");
    }

    /** Quits the connections idle for longer than the idle time. */
    private void sweep() {
        long now = System.nanoTime();
        List<Idle> old = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<ArrayDeque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Idle> queue = it.next();
                while (!queue.isEmpty() && now - queue.peekLast().sinceNanos() >= idleTime.toNanos()) {
                    old.add(queue.pollLast());
                }
                if (queue.isEmpty()) {
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        quitAll(old, "idle for " + idleTime.toMillis() + " ms");
    }

    private void startSweeper() {
        if (sweeper == null) {
            sweeper = threads.newThread(this::sweepUntilClosed);
            sweeper.start();
        }
    }

    private void sweepUntilClosed() {
        long period = Math.max(idleTime.toNanos() / 4, Duration.ofMillis(10).toNanos());
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                changed.awaitNanos(period);
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            sweep();
        }
    }

    private static void quitAll(List<Idle> connections, String why) {
        if (connections.isEmpty()) {
            return;
        }
        Set<String> names = connections.stream().map(i -> i.client().name()).collect(Collectors.toSet());
        LOG.log(Level.DEBUG, () -> "[milter][reuse][close] " + connections.size() + " kept connection(s) to " + names
                + ": " + why);
        connections.forEach(i -> i.client().quit());
    }
}
