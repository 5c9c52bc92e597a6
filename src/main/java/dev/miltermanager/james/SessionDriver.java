package dev.miltermanager.james;

import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One manager session driven under a deadline. Each command runs on a thread of the session's own, while the
 * caller (a James spool thread) waits at most until the deadline: a child that keeps the session busy — even one
 * that sends progress forever, which restarts its own timeout — cannot hold the spool thread longer. The caller
 * alone reads the mail; the session's thread only sees commands, so a session left behind at the deadline touches
 * nothing James still uses. Not thread-safe: one mail, one spool thread.
 */
final class SessionDriver implements AutoCloseable {
    private final ManagerSession session;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("milter-mailet-session-", 0).factory());
    private final long deadline;
    private final Duration timeout;
    private boolean overdue;

    SessionDriver(MilterManager manager, Duration timeout) {
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.session = manager.openSession();
    }

    /**
     * Sends one command and returns every response to it.
     *
     * @throws DeadlineException once the deadline has passed (the session is then left to end on its own)
     * @throws RuntimeException what the session threw
     */
    List<Response> send(Command command) {
        if (overdue) {
            throw new DeadlineException(timeout);
        }
        Future<List<Response>> call = thread.submit(() -> {
            List<Response> responses = new ArrayList<>();
            session.handle(command, responses::addAll);
            return responses;
        });
        try {
            return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            overdue = true;
            throw new DeadlineException(timeout);
        } catch (InterruptedException e) {
            overdue = true; // James is stopping its spool: leave the session as at the deadline
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the milters were working", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Ends the session (the children are sent QUIT). Waits for that until the deadline, not after: an overdue
     * session closes on its thread once its current command ends by the children's own timeouts.
     */
    @Override
    public void close() {
        thread.submit(session::close);
        thread.shutdown();
        if (!overdue) {
            try {
                thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The mail's time in the mailet is up. */
    static final class DeadlineException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeadlineException(Duration timeout) {
            super("the milters did not finish within the mail timeout of " + Durations.format(timeout));
        }
    }
}
