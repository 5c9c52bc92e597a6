package dev.miltermanager.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The sessions of a fake in the order their connections were accepted, with waiting and taking. Thread-safe. */
final class SessionList {
    private final Guard guard = new Guard();
    private final List<FakeSession> sessions = new ArrayList<>();
    private int taken;

    FakeSession add(String peer) {
        return guard.update(() -> {
            FakeSession session = new FakeSession(new SessionRecord(sessions.size(), peer));
            sessions.add(session);
            return session;
        });
    }

    List<FakeSession> all() {
        return guard.read(() -> List.copyOf(sessions));
    }

    List<FakeSession> awaitCount(int count, Duration timeout, Supplier<String> transcript) {
        if (!guard.await(() -> sessions.size() >= count, timeout)) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + count
                    + " connection(s) to the fake milter; " + all().size() + " arrived\n" + transcript.get());
        }
        return all();
    }

    FakeSession take(Duration timeout, Supplier<String> transcript) {
        return guard.update(() -> {
            if (!guard.await(() -> sessions.size() > taken, timeout)) {
                throw new AssertionError("timed out after " + timeout + " waiting for connection " + taken
                        + " to the fake milter\n" + transcript.get());
            }
            return sessions.get(taken++);
        });
    }
}
