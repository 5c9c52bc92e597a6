package dev.miltermanager.manager;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * {@code manager.max_connections}: how many MTA connections are served at once, shared by every listener of a
 * manager (a reconfiguration that moves the listening socket keeps one count) and changed in place by a
 * reconfiguration. Excess connections wait to be accepted. Thread-safe.
 */
final class ConnectionLimit {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int max;
    private int open;

    ConnectionLimit(int max) {
        this.max = max;
    }

    /**
     * Waits for room for one more connection, or until {@code cancelled} is true once {@link #wakeAll()} is called.
     *
     * @return whether a place was taken (to be given back with {@link #release()})
     */
    boolean acquire(BooleanSupplier cancelled) throws InterruptedException {
        lock.lock();
        try {
            while (max > 0 && open >= max) {
                if (cancelled.getAsBoolean()) {
                    return false;
                }
                changed.await();
            }
            if (cancelled.getAsBoolean()) {
                return false;
            }
            open++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            open--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A new limit (0 = none); waiting acceptors re-check at once. */
    void setMax(int newMax) {
        lock.lock();
        try {
            max = newMax;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting acceptor so it can see it was cancelled. */
    void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
