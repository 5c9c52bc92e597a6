package dev.miltermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Signals} in a real process: SIGHUP reloads (the process stays), SIGTERM stops it through the daemon. */
class SignalsTest {

    @Test
    void sighupCallsReloadEachTimeAndSigtermCallsStopInsteadOfExitingAtOnce() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process probe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SignalsProbe.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                signal(probe, "HUP");
                lines.add(out.readLine());
            }
            assertEquals(List.of("reload", "reload"), lines);
            assertTrue(probe.isAlive(), "SIGHUP does not stop the process");
            signal(probe, "TERM");
            assertEquals("stop", out.readLine());
            assertEquals("exiting", out.readLine(), "the daemon, not the JVM, decides when to exit");
            assertTrue(probe.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, probe.exitValue(), "a normal exit, not 143");
        } finally {
            probe.destroyForcibly();
        }
    }

    private static void signal(Process process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void theMainClassHandsCtlToTheControlClient(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process ctl = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "ctl", "status", "--control-spec", "unix:" + dir.resolve("none.sock")).start();
        String err = new String(ctl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ctl.waitFor(20, TimeUnit.SECONDS));
        assertEquals(1, ctl.exitValue(), err);
        assertTrue(err.contains("milter-manager ctl: cannot reach the control interface at unix:"), err);
    }
}
