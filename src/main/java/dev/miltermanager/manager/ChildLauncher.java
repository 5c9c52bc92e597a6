package dev.miltermanager.manager;

import dev.miltermanager.client.MilterConnectException;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;

/**
 * Starts a child milter whose socket could not be connected, with its {@link ChildConfig#command()}, as the
 * reference does for detected milters ({@code systemctl start NAME}). One attempt at a time per command: sessions
 * that find the child down while it is being started wait for that attempt instead of running the command again
 * (also across managers of one JVM, so a reload does not double it). The command's output goes to the log once the
 * wait is over; a command still running then (a milter in the foreground) keeps writing to a file the log names.
 * Thread-safe.
 */
final class ChildLauncher {
    private static final System.Logger LOG = System.getLogger(ChildLauncher.class.getName());
    private static final long POLL_MILLIS = 50;
    private static final Duration POLL = Duration.ofMillis(POLL_MILLIS);
    private static final ConcurrentMap<List<String>, CompletableFuture<Long>> ATTEMPTS = new ConcurrentHashMap<>();

    private ChildLauncher() {
    }

    /**
     * Runs the child's command, or joins the attempt already running, and returns when the child may be connected
     * again: a new Unix socket file exists (or, for a TCP port, the command has exited), or
     * {@link ChildConfig#startWait()} is over. Returns the {@link System#nanoTime()} until which a refused connection
     * is still worth retrying: the end of the start wait (a socket file exists from {@code bind}, a moment before the
     * milter listens on it), or now when the command failed.
     */
    static long start(ChildConfig child, String tag) {
        CompletableFuture<Long> mine = new CompletableFuture<>();
        CompletableFuture<Long> running = ATTEMPTS.putIfAbsent(child.command(), mine);
        if (running != null) {
            LOG.log(Level.INFO, () -> "[milter][start][wait](" + tag + "): " + child.name()
                    + ": already being started; waiting for it");
            return await(running);
        }
        long retryUntil = System.nanoTime();
        try {
            retryUntil = launch(child, tag);
        } finally {
            ATTEMPTS.remove(child.command(), mine);
            mine.complete(retryUntil);
        }
        return retryUntil;
    }

    /**
     * Connects to a child {@link #start started}: a refused connection is retried every {@value #POLL_MILLIS} ms
     * until {@code retryUntil}.
     */
    static <T> T connect(Connector<T> connector, long retryUntil) throws MilterConnectException {
        while (true) {
            try {
                return connector.connect();
            } catch (MilterConnectException e) {
                if (System.nanoTime() + POLL.toNanos() > retryUntil) {
                    throw e;
                }
                try {
                    Thread.sleep(POLL);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** One connection attempt. */
    @FunctionalInterface
    interface Connector<T> {
        T connect() throws MilterConnectException;
    }

    private static long launch(ChildConfig child, String tag) {
        String commandLine = String.join(" ", child.command());
        LOG.log(Level.INFO, () -> "[milter][start](" + tag + "): " + child.name() + ": " + commandLine);
        Path output = null;
        long deadline = System.nanoTime() + child.startWait().toNanos();
        try {
            output = Files.createTempFile("milter-manager-start-", ".log");
            Object staleSocket = socketFile(child.connectionSpec());
            Process process = new ProcessBuilder(child.command()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
            while (System.nanoTime() < deadline && !ready(child.connectionSpec(), process, staleSocket)) {
                Thread.sleep(POLL);
            }
            logOutput(child, tag, output);
            if (process.isAlive()) {
                // It runs in the foreground and keeps writing: its output stays in the file, named in the log.
                Path kept = output;
                output = null;
                LOG.log(Level.INFO, () -> "[milter][start](" + tag + "): " + child.name() + ": " + commandLine
                        + " still runs after the wait (" + child.startWait().toMillis() + " ms); its output goes to "
                        + kept + "; connecting again");
            } else if (process.exitValue() != 0) {
                LOG.log(Level.WARNING, "[milter][start][error](" + tag + "): " + child.name() + ": " + commandLine
                        + " exited with status " + process.exitValue());
                return System.nanoTime();
            } else {
                LOG.log(Level.INFO, () -> "[milter][start](" + tag + "): " + child.name() + ": started");
            }
            return deadline;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[milter][start][error](" + tag + "): " + child.name() + ": cannot run "
                    + commandLine + ": " + e.getMessage());
            return System.nanoTime();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return System.nanoTime();
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, () -> "cannot delete " + e.getMessage());
                }
            }
        }
    }

    /**
     * Whether waiting is over: the command failed, or the child may be connected again: a new Unix socket file (not
     * the one a dead daemon left behind) or, for a TCP port that cannot be checked without connecting, the command
     * has exited.
     */
    private static boolean ready(ConnectionSpec spec, Process process, Object staleSocket) {
        if (!process.isAlive() && process.exitValue() != 0) {
            return true;
        }
        if (spec instanceof ConnectionSpec.Unix) {
            Object now = socketFile(spec);
            return now != null && !now.equals(staleSocket);
        }
        return !process.isAlive();
    }

    /** The identity of the Unix socket file ({@code fileKey}, else its creation time), or null when absent. */
    private static Object socketFile(ConnectionSpec spec) {
        if (!(spec instanceof ConnectionSpec.Unix unix)) {
            return null;
        }
        try {
            var attributes = Files.readAttributes(unix.path(), java.nio.file.attribute.BasicFileAttributes.class);
            return attributes.fileKey() != null ? List.of(attributes.fileKey(), attributes.creationTime())
                    : attributes.creationTime();
        } catch (IOException e) {
            return null;
        }
    }

    private static void logOutput(ChildConfig child, String tag, Path output) throws IOException {
        for (String line : new String(Files.readAllBytes(output), StandardCharsets.UTF_8).lines().toList()) {
            LOG.log(Level.INFO, () -> "[milter][start][output](" + tag + "): " + child.name() + ": " + line);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static long await(CompletableFuture<Long> attempt) {
        try {
            return attempt.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // The attempt itself logged what went wrong.
        }
        return System.nanoTime();
    }
}
