package dev.miltermanager.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The sessions of a fake in the order their connections were accepted, with waiting and taking. Thread-safe. */
final class SessionList {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final List<FakeSession> sessions = new ArrayList<>();
    private int taken;

    FakeSession add(String peer) {
        lock.lock();
        try {
            FakeSession session = new FakeSession(new SessionRecord(sessions.size(), peer));
            sessions.add(session);
            added.signalAll();
            return session;
        } finally {
            lock.unlock();
        }
    }

    List<FakeSession> all() {
        lock.lock();
        try {
            return List.copyOf(sessions);
        } finally {
            lock.unlock();
        }
    }

    List<FakeSession> awaitCount(int count, Duration timeout, Supplier<String> transcript) {
        if (!await(() -> sessions.size() >= count, timeout)) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + count
                    + " connection(s) to the fake milter; " + all().size() + " arrived\n" + transcript.get());
        }
        return all();
    }

    FakeSession take(Duration timeout, Supplier<String> transcript) {
        lock.lock();
        try {
            if (!await(() -> sessions.size() > taken, timeout)) {
                throw new AssertionError("timed out after " + timeout + " waiting for connection " + taken
                        + " to the fake milter\n" + transcript.get());
            }
            return sessions.get(taken++);
        } finally {
            lock.unlock();
        }
    }

    private boolean await(BooleanSupplier done, Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = added.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for connections to the fake milter", e);
        } finally {
            lock.unlock();
        }
    }
}
