package dev.miltermanager.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns the harness's resources ({@code src/test/resources/interop/}) into files under {@code target/interop/}:
 * C programs are compiled with {@code gcc} once per JVM, scripts are copied once per JVM. Thread-safe.
 *
 * <p>A missing compiler or missing library headers is a loud {@link IllegalStateException} carrying the
 * compiler's output, never a skipped test: {@code .ci/run} installs {@code gcc} and {@code libmilter-dev}.
 */
final class InteropBuild {

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Map<String, Path> DONE = new HashMap<>();

    private InteropBuild() {
    }

    /** {@code target/interop/} of the project under test (Surefire sets {@code basedir}). */
    static Path workDirectory() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path dir = base.resolve("target").resolve("interop");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /**
     * The executable built from resource {@code interop/<source>} (a {@code .c} file), linked with the given
     * libraries ({@code "milter"} becomes {@code -lmilter}).
     */
    static Path compiled(String source, String... libraries) {
        LOCK.lock();
        try {
            Path done = DONE.get(source);
            if (done != null) {
                return done;
            }
            Path sourceFile = copy(source);
            Path executable = workDirectory().resolve(source.replaceFirst("\\.c$", ""));
            Path partial = executable.resolveSibling(executable.getFileName() + ".partial");
            List<String> command = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O2", "-Wall", "-o",
                    partial.toString(), sourceFile.toString()));
            for (String library : libraries) {
                command.add("-l" + library);
            }
            Processes.Result result = Processes.run(command, Duration.ofSeconds(60));
            if (!result.succeeded()) {
                throw new IllegalStateException("cannot compile " + source + " (gcc exit " + result.exitCode()
                        + "; the interop tests need gcc and libmilter-dev, which .ci/run installs):\n"
                        + result.output());
            }
            Files.move(partial, executable, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            DONE.put(source, executable);
            return executable;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build " + source, e);
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Resource {@code interop/<name>} copied to {@code target/interop/<name>} (once per JVM); {@code name} may
     * name a sub-directory ({@code miltertest/common.lua}).
     */
    static Path resource(String name) {
        LOCK.lock();
        try {
            Path done = DONE.get("resource:" + name);
            if (done == null) {
                done = copy(name);
                DONE.put("resource:" + name, done);
            }
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy resource interop/" + name, e);
        } finally {
            LOCK.unlock();
        }
    }

    private static Path copy(String name) throws IOException {
        Path target = workDirectory().resolve(name);
        Files.createDirectories(target.getParent());
        try (InputStream in = InteropBuild.class.getResourceAsStream("/interop/" + name)) {
            if (in == null) {
                throw new IllegalStateException("resource interop/" + name + " is not on the test class path");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
