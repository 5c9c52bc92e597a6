package dev.miltermanager.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Running short commands and ending process trees for the interop harness. Stateless; thread-safe.
 */
final class Processes {

    /** What a finished command printed (stdout and stderr together) and its exit status. */
    record Result(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    private Processes() {
    }

    /**
     * Runs a command to completion, stdout and stderr merged.
     *
     * @throws IllegalStateException if it cannot start (the message names the command) or outlives the timeout
     */
    static Result run(List<String> command, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
            // Read on the side so a chatty command cannot fill the pipe and stall before the timeout.
            var output = new CompletableFuture<String>();
            Thread.ofVirtual().start(() -> {
                try {
                    output.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    output.complete("(output unreadable: " + e.getMessage() + ")");
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyTree(process.toHandle(), Duration.ofSeconds(2));
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), output.get(5, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroyTree(process.toHandle(), Duration.ZERO);
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + String.join(" ", command), e);
        }
    }

    /**
     * Kills a process and every descendant with SIGKILL and waits (bounded) until the process has ended.
     * Descendants are collected first, so children re-parented by the kill are not missed.
     */
    static void destroyTree(ProcessHandle root, Duration wait) {
        List<ProcessHandle> all = Stream.concat(root.descendants(), Stream.of(root)).toList();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            root.onExit().get(Math.max(wait.toMillis(), 1), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // reported by the caller's own checks; nothing more to do here
        }
    }

    /** Deletes a directory tree, ignoring what is already gone. */
    static void deleteTree(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }

    /** Reads a text file as UTF-8, or returns a note when it does not exist. */
    static String readOrNote(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
