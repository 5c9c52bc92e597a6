package dev.miltermanager.transport;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link Watchdog} on a single-threaded scheduler whose cancelled tasks leave the queue at once. */
final class ScheduledWatchdog implements Watchdog {
    static final Watchdog SHARED = new ScheduledWatchdog("milter-manager-watchdog");

    private static final System.Logger LOG = System.getLogger(ScheduledWatchdog.class.getName());

    private final ScheduledThreadPoolExecutor scheduler;

    ScheduledWatchdog(String threadName) {
        scheduler = new ScheduledThreadPoolExecutor(1,
                task -> Thread.ofPlatform().name(threadName).daemon(true).unstarted(task));
        // every read and write arms a deadline and almost all are disarmed: keep the queue small
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Deadline arm(Closeable resource, Duration timeout, String phase) {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(phase, "phase");
        Timeouts.requirePositive(timeout, "a timeout");
        ArmedDeadline deadline = new ArmedDeadline(resource, timeout, phase);
        deadline.schedule(scheduler, Timeouts.nanos(timeout));
        return deadline;
    }

    /** How many deadlines wait in the queue (for tests: disarmed ones must not linger). */
    int pending() {
        return scheduler.getQueue().size();
    }

    /** Shuts the scheduler down; only for watchdogs made by tests. */
    void shutdown() {
        scheduler.shutdownNow();
    }

    private static final class ArmedDeadline implements Deadline {
        private static final int ARMED = 0;
        private static final int DISARMED = 1;
        private static final int FIRED = 2;

        private final Closeable resource;
        private final Duration timeout;
        private final String phase;
        private final AtomicInteger state = new AtomicInteger(ARMED);
        private volatile ScheduledFuture<?> task;

        ArmedDeadline(Closeable resource, Duration timeout, String phase) {
            this.resource = resource;
            this.timeout = timeout;
            this.phase = phase;
        }

        void schedule(ScheduledThreadPoolExecutor scheduler, long nanos) {
            task = scheduler.schedule(this::fire, nanos, TimeUnit.NANOSECONDS);
        }

        private void fire() {
            if (!state.compareAndSet(ARMED, FIRED)) {
                return;
            }
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
                task.cancel(false);
            }
        }
    }
}
