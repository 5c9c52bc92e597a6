package dev.miltermanager.interop;

import dev.miltermanager.transport.ConnectionSpec;
import java.net.StandardProtocolFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs OpenDKIM's {@code miltertest} (Debian package {@code miltertest}), the Lua-scripted MTA side of the milter
 * protocol, on a script from {@code src/test/resources/interop/miltertest/}. Stateless; thread-safe.
 *
 * <p>miltertest is given {@code run.lua}, which loads the helpers of {@code common.lua} and then runs the script
 * with these Lua globals: {@code socket} (the milter, spelled as {@code mt.connect} wants it), {@code scripts} (the
 * directory of the scripts) and {@code script} (its own name). A script passes when
 * miltertest exits 0 <em>and</em> {@code run.lua} has printed {@code PASS <script>}, which it does only when the
 * script ran to its end; when it raised an error, {@code run.lua} prints it with a traceback (miltertest itself
 * prints nothing).
 */
final class Miltertest {
    /** The executable; {@code .ci/run} installs it. */
    static final String EXECUTABLE = "/usr/bin/miltertest";
    /** A script's whole run; each read from the milter is bounded at 5 s by {@code common.lua} as well. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** How much of miltertest's output a failure shows: the end, where the error is. */
    private static final int FAILURE_LINES = 150;
    private static final String STDBUF = "/usr/bin/stdbuf";
    private static final String ENTRY = "run.lua";
    private static final String COMMON = "common.lua";

    private Miltertest() {
    }

    /**
     * Runs {@code script} against the milter listening on {@code milter}.
     *
     * @return what miltertest printed (stdout and stderr together; it is run with {@code -v}, so every command and
     *     reply is listed)
     * @throws AssertionError when the script fails, naming the exit status and carrying the end of the output
     * @throws IllegalStateException when miltertest is not installed
     */
    static String run(String script, ConnectionSpec milter) {
        if (!Files.isExecutable(Path.of(EXECUTABLE))) {
            throw new IllegalStateException(EXECUTABLE + " is missing: install Debian's miltertest package "
                    + "(.ci/run does)");
        }
        InteropBuild.resource("miltertest/" + script);
        InteropBuild.resource("miltertest/" + COMMON);
        Path entry = InteropBuild.resource("miltertest/" + ENTRY);
        // Line-buffered stdout: miltertest writes replies to stdout and errors to stderr; with a pipe's full
        // buffering the two would come out of order, and a crash would lose stdout altogether.
        List<String> command = new ArrayList<>(List.of(STDBUF, "-oL", EXECUTABLE, "-v",
                "-D", "socket=" + socketArgument(milter),
                "-D", "scripts=" + entry.getParent(),
                "-D", "script=" + script));
        command.addAll(List.of("-s", entry.toString()));
        Processes.Result result = Processes.run(command, TIMEOUT);
        if (!result.succeeded() || !result.output().contains("PASS " + script)) {
            throw new AssertionError("miltertest " + script + " failed (exit " + result.exitCode() + ") against "
                    + milter + "; its output:\n" + lastLines(result.output()));
        }
        return result.output();
    }

    /** The end of a long output, where the failure is, with a note of what was left out. */
    private static String lastLines(String output) {
        List<String> lines = output.lines().toList();
        if (lines.size() <= FAILURE_LINES) {
            return output;
        }
        return "(" + (lines.size() - FAILURE_LINES) + " earlier lines left out)\n"
                + String.join("\n", lines.subList(lines.size() - FAILURE_LINES, lines.size()));
    }

    /**
     * The milter's socket as {@code mt.connect} reads it: {@code unix:PATH}, or {@code inet:PORT@HOST} with the
     * host as a bare IPv4 literal or name. miltertest cannot reach {@code inet6:} sockets, and would read our
     * canonical {@code @[127.0.0.1]} as an unresolvable host name.
     */
    static String socketArgument(ConnectionSpec milter) {
        return switch (milter) {
            case ConnectionSpec.Unix unix -> "unix:" + unix.path();
            case ConnectionSpec.Inet inet -> {
                if (inet.family() != StandardProtocolFamily.INET) {
                    throw new IllegalArgumentException("miltertest speaks IPv4 only, not " + milter);
                }
                yield "inet:" + inet.port() + "@" + inet.host().orElse("127.0.0.1");
            }
        };
    }
}
