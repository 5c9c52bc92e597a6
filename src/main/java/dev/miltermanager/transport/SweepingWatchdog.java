package dev.miltermanager.transport;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Watchdog} made for deadlines that are armed around every read and write and almost always disarmed
 * within microseconds. Arming appends to a lock-free queue and disarming flips a flag: neither takes a lock nor, as
 * a rule, wakes the watchdog's thread. That thread sweeps the deadlines when the earliest one falls due, and at
 * least every {@link #SWEEP_NANOS} while deadlines come and go, so disarmed ones do not pile up; it is woken only for
 * a deadline due before its planned wake-up (the first after a quiet spell, or a shorter timeout than those armed),
 * and sleeps without a timer once a sweep found none armed and none new.
 */
final class SweepingWatchdog implements Watchdog {
    static final Watchdog SHARED = new SweepingWatchdog("milter-manager-watchdog");

    /** The longest the thread sleeps while deadlines are armed: how long a disarmed one may stay queued. */
    static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** What {@link #wakeAt} says while the thread sleeps with nothing to watch: later than any deadline. */
    private static final long IDLE = Long.MAX_VALUE / 2;

    private static final System.Logger LOG = System.getLogger(SweepingWatchdog.class.getName());

    private final Queue<ArmedDeadline> incoming = new ConcurrentLinkedQueue<>();
    /** The deadlines the thread watches; the thread's own. */
    private final List<ArmedDeadline> watched = new ArrayList<>();
    private final LongAdder armed = new LongAdder();
    private final Thread thread;
    /** When the thread will next look, in {@link System#nanoTime()} terms; an earlier deadline must wake it. */
    private volatile long wakeAt;
    private volatile boolean stopped;

    SweepingWatchdog(String threadName) {
        wakeAt = System.nanoTime() + IDLE;
        thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
        thread.start();
    }

    @Override
    public Deadline arm(Closeable resource, Duration timeout, String phase) {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(phase, "phase");
        Timeouts.requirePositive(timeout, "a timeout");
        ArmedDeadline deadline = new ArmedDeadline(this, resource, timeout, phase,
                System.nanoTime() + Timeouts.nanos(timeout));
        armed.increment();
        incoming.add(deadline);
        if (deadline.dueAt - wakeAt < 0) {
            LockSupport.unpark(thread);
        }
        return deadline;
    }

    /** How many deadlines are armed, neither disarmed nor fired (for tests: disarmed ones must not count). */
    int pending() {
        return armed.intValue();
    }

    /** Stops the thread; only for watchdogs made by tests. */
    void shutdown() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!stopped) {
            boolean quiet = true;
            for (ArmedDeadline d; (d = incoming.poll()) != null; ) {
                watched.add(d);
                quiet = false;
            }
            long now = System.nanoTime();
            long next = now + IDLE;
            int kept = 0;
            for (ArmedDeadline d : watched) {
                if (!d.isArmed()) {
                    continue;
                }
                if (d.dueAt - now <= 0) {
                    d.fire();
                    continue;
                }
                if (d.dueAt - next < 0) {
                    next = d.dueAt;
                }
                watched.set(kept++, d);
            }
            watched.subList(kept, watched.size()).clear();
            // while deadlines come and go, sweep at least every SWEEP_NANOS rather than be woken by each first one
            boolean idle = kept == 0 && quiet;
            if (!idle && next - (now + SWEEP_NANOS) > 0) {
                next = now + SWEEP_NANOS;
            }
            wakeAt = next;
            if (!incoming.isEmpty()) {
                continue; // armed meanwhile: may be due before next
            }
            if (idle) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, next - now);
            }
        }
    }

    private static final class ArmedDeadline implements Deadline {
        private static final int ARMED = 0;
        private static final int DISARMED = 1;
        private static final int FIRED = 2;

        private final SweepingWatchdog owner;
        private final Closeable resource;
        private final Duration timeout;
        private final String phase;
        final long dueAt;
        private final AtomicInteger state = new AtomicInteger(ARMED);

        ArmedDeadline(SweepingWatchdog owner, Closeable resource, Duration timeout, String phase, long dueAt) {
            this.owner = owner;
            this.resource = resource;
            this.timeout = timeout;
            this.phase = phase;
            this.dueAt = dueAt;
        }

        boolean isArmed() {
            return state.get() == ARMED;
        }

        void fire() {
            if (!state.compareAndSet(ARMED, FIRED)) {
                return;
            }
            owner.armed.decrement();
            try {
                resource.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "closing after the " + phase + " deadline failed", e);
            }
        }

        @Override
        public String phase() {
            return phase;
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public boolean expired() {
            return state.get() == FIRED;
        }

        @Override
        public void close() {
            if (state.compareAndSet(ARMED, DISARMED)) {
                owner.armed.decrement();
            }
        }
    }
}
