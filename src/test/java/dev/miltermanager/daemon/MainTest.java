package dev.miltermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.config.ConfigurationLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: options, environment, --show-config, and what bad input gives. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs with detection below an empty directory, so the machine's own milters do not count. */
    private int run(String... args) {
        return run(Map.of(CommandLine.DETECTION_ROOT_ENV, dir.resolve("empty-root").toString()), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theConfigDirectoryComesFromTheOptionElseTheEnvironmentElseEtc() {
        Map<String, String> env = Map.of(CommandLine.CONFIG_DIR_ENV, "/from/env");
        assertEquals(Path.of("/opt/mm/milter-manager.conf"), CommandLine.parse("-c", "/opt/mm").loader(env).file());
        assertEquals(Path.of("/opt/mm/milter-manager.conf"),
                CommandLine.parse("--config-dir=/opt/mm").loader(env).file());
        assertEquals(Path.of("/from/env/milter-manager.conf"), CommandLine.parse().loader(env).file());
        assertEquals(ConfigurationLoader.DEFAULT_CONFIG_DIRECTORY.resolve("milter-manager.conf"),
                CommandLine.parse().loader(Map.of()).file());
    }

    @Test
    void showConfigPrintsEveryItemWithItsOriginFileAndCommandLineIncluded() throws Exception {
        Files.writeString(dir.resolve("milter-manager.conf"), """
                manager.fallback_status = reject
                milter.clamav.connection_spec = unix:/run/clamav.sock
                """);
        assertEquals(0, run("-c", dir.toString(), "--show-config", "-s", "inet:10099@[127.0.0.1]",
                "--milter", "spamd=inet:783@[127.0.0.1]", "-v", "--pid-file=/run/mm.pid"), err());
        String shown = out();
        String conf = dir.resolve("milter-manager.conf").toString();
        for (String line : List.of(
                "manager.connection_spec = inet:10099@[127.0.0.1]  # command line (-s)",
                "manager.fallback_status = reject  # " + conf + ":1",
                "manager.chunk_size = 65535  # default",
                "log.level = all  # command line (-v)",
                "manager.pid_file = /run/mm.pid  # command line (--pid-file)",
                "milter.clamav.connection_spec = unix:/run/clamav.sock  # " + conf + ":2",
                "milter.spamd.connection_spec = inet:783@[127.0.0.1]  # command line (--milter)",
                "milter.spamd.reading_timeout = 7  # default")) {
            assertTrue(shown.lines().anyMatch(line::equals), line + "\nnot in\n" + shown);
        }
        assertTrue(shown.indexOf("milter.clamav.") < shown.indexOf("milter.spamd."), "file children come first");
    }

    @Test
    void withNoFileTheDefaultsAreShown() {
        assertEquals(0, run("-c", dir.resolve("absent").toString(), "--show-config"), err());
        assertTrue(out().contains("manager.connection_spec = inet:10025@[127.0.0.1]  # default\n"), out());
        assertTrue(out().contains("# files read: none (defaults)"), out());
    }

    @Test
    void configurationErrorsAreAllPrintedWithFileAndLineAndExit1() throws Exception {
        Files.writeString(dir.resolve("milter-manager.conf"), """
                manager.fallback_status = maybe
                manager.chunk_size = 0
                """);
        assertEquals(1, run("-c", dir.toString()));
        String conf = dir.resolve("milter-manager.conf").toString();
        assertTrue(err().contains(conf + ":1: manager.fallback_status = maybe: expected accept, temporary-failure, "
                + "reject or discard"), err());
        assertTrue(err().contains(conf + ":2: manager.chunk_size = 0: expected a whole number from 1 to 65535"), err());
        assertTrue(err().contains("2 error(s) in the configuration; not started"), err());
    }

    @Test
    void referenceOptionsWeIgnoreAreAcceptedWithAWarning() {
        assertEquals(0, run("-c", dir.toString(), "--show-config", "--daemon", "--n-workers=3", "-u", "milter"),
                err());
        assertTrue(err().contains("command line (--daemon): manager.daemon = true: accepted and ignored: "), err());
        assertTrue(err().contains("command line (--n-workers): manager.n_workers = 3: accepted and ignored: "), err());
        assertTrue(err().contains("command line (-u): security.effective_user = milter: accepted and ignored: "), err());
    }

    @Test
    void badArgumentsGiveUsageAndExitStatus2() {
        assertEquals(2, run("--frobnicate"));
        assertTrue(err().contains("unknown option '--frobnicate'") && err().contains("Try 'milter-manager --help'"),
                err());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse("--config-dir"));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse("--show-config=yes"));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse("--milter", "nospec"));
    }

    @Test
    void aBadOptionValueNamesTheOptionAndExits2() {
        assertEquals(2, run("-c", dir.toString(), "--log-level", "loud"));
        assertTrue(err().contains("command line (--log-level): log.level = loud: expected log levels"), err());
        assertEquals(2, run("-c", dir.toString(), "-s", "inet:notaport"));
        assertTrue(err().contains("inet:notaport"), err());
    }

    @Test
    void importConfigIsDispatchedToTheTranslator() throws Exception {
        Path local = dir.resolve("milter-manager.local.conf");
        Files.writeString(local, """
                define_milter("clamav") do |milter|
                  milter.connection_spec = "unix:/run/clamav.ctl"
                end
                """);
        assertEquals(0, run("import-config", "--root", dir.resolve("empty-root").toString(), local.toString()), err());
        assertTrue(out().contains("milter.clamav.connection_spec = unix:/run/clamav.ctl"), out());
    }

    @Test
    void helpListsTheOptionsAndVersionPrintsOne() {
        assertEquals(0, run("--help"));
        for (String option : List.of("--config-dir", "--show-config", "--connection-spec", "--milter", "--log-level",
                "--log-path", "--pid-file", "--verbose", "--version", "SIGHUP")) {
            assertTrue(out().contains(option), option);
        }
        out.reset();
        assertEquals(0, run("--version"));
        assertTrue(out().startsWith("milter-manager "), out());
    }
}
