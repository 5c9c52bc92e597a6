package dev.miltermanager.testing;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A lock with one "something changed" condition, for records written by connection threads and read or awaited by
 * tests: every {@link #update} wakes the waiters, and {@link #await} re-checks its predicate under the lock. The
 * lock is reentrant, so an update may await (the wait releases it).
 */
final class Guard {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Runs {@code reader} under the lock. */
    <T> T read(Supplier<T> reader) {
        lock.lock();
        try {
            return reader.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code change} under the lock, then wakes every waiter. */
    <T> T update(Supplier<T> change) {
        lock.lock();
        try {
            T result = change.get();
            changed.signalAll();
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #update(Supplier)} for a change without a result. */
    void update(Runnable change) {
        update(() -> {
            change.run();
            return null;
        });
    }

    /**
     * Waits until {@code done} holds, evaluated under the lock after every change.
     *
     * @return false when {@code timeout} passed first
     * @throws AssertionError when interrupted (the interrupt status is kept)
     */
    boolean await(BooleanSupplier done, Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        } finally {
            lock.unlock();
        }
    }
}
