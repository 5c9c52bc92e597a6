package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readers detection is built from, one file format each, with their edge cases. */
class DetectionReadersTest {
    @TempDir
    Path root;

    private SystemFile file(String systemPath, String text) throws IOException {
        SystemFile f = SystemFile.of(root, systemPath);
        Files.createDirectories(f.path().getParent());
        Files.writeString(f.path(), text);
        return f;
    }

    // --- shell settings ---

    @Test
    void shellAssignmentsExpandEarlierVariablesAndKeepUnknownOnes() throws IOException {
        ShellSettings s = new ShellSettings();
        s.read(file("/etc/default/x", """
                # comment
                RUNDIR=/run/x
                export SOCKET="local:${RUNDIR}/x.sock"   # trailing comment
                LITERAL='$RUNDIR/not-expanded'
                OTHER=$UNSET/y
                FALLBACK=${UNSET:-/var/run}/z
                BARE=/a/b ; echo
                """));
        assertEquals(Optional.of(new Setting("local:/run/x/x.sock", "/etc/default/x:3")), s.get("SOCKET"));
        assertEquals("$RUNDIR/not-expanded", s.get("LITERAL").orElseThrow().value());
        assertEquals("$UNSET/y", s.get("OTHER").orElseThrow().value());
        assertEquals("/var/run/z", s.get("FALLBACK").orElseThrow().value());
        assertEquals("/a/b", s.get("BARE").orElseThrow().value());
    }

    @Test
    void wordsAndOptionValuesFollowTheShellAndGetopt() {
        List<String> words = ShellSettings.words("/usr/sbin/x -f -p \"inet:10@[127.0.0.1]\" -uuser --config-file=/c 'a b'");
        assertEquals(List.of("/usr/sbin/x", "-f", "-p", "inet:10@[127.0.0.1]", "-uuser", "--config-file=/c", "a b"),
                words);
        assertEquals(Optional.of("inet:10@[127.0.0.1]"), ShellSettings.optionValue(words, "-p"));
        assertEquals(Optional.of("user"), ShellSettings.optionValue(words, "-u"));
        assertEquals(Optional.of("/c"), ShellSettings.optionValue(words, "--config-file"));
        assertEquals(Optional.empty(), ShellSettings.optionValue(words, "-x"));
        assertEquals(Optional.of("second"), ShellSettings.optionValue(List.of("-p", "first", "-p", "second"), "-p"),
                "the last one counts, as with getopt");
    }

    // --- spec normalization ---

    private static Optional<String> normalize(String value, List<String> problems) {
        return SpecNormalizer.normalize(new Setting(value, "/f:1"), problems);
    }

    @Test
    void barePathsAndLocalBecomeUnixAndWildcardsBecomeLoopback() {
        List<String> problems = new ArrayList<>();
        assertEquals(Optional.of("unix:/run/a.sock"), normalize("/run/a.sock", problems));
        assertEquals(Optional.of("unix:/run/a.sock"), normalize("local:/run/a.sock", problems));
        assertEquals(Optional.of("unix:/run/a.sock"), normalize("\"unix:local:/run/a.sock\"", problems));
        assertEquals(Optional.of("inet:8891@localhost"), normalize("inet:8891@localhost", problems));
        assertEquals(Optional.of("inet:8891@localhost"), normalize("inet:localhost:8891", problems));
        assertEquals(Optional.of("inet:8891@[127.0.0.1]"), normalize("inet:8891", problems));
        assertEquals(Optional.of("inet:8891@[127.0.0.1]"), normalize("inet:8891@0.0.0.0", problems));
        assertEquals(Optional.of("inet6:8891@[::1]"), normalize("inet6:8891@[::]", problems));
        assertEquals(List.of(), problems);
    }

    @Test
    void unexpandedAndInvalidValuesAreProblemsWithTheirOrigin() {
        List<String> problems = new ArrayList<>();
        assertEquals(Optional.empty(), normalize("local:$RUNDIR/a.sock", problems));
        assertEquals(Optional.empty(), normalize("inet:${port}@localhost", problems));
        assertEquals(Optional.empty(), normalize("tcp:25", problems));
        assertEquals(Optional.empty(), normalize("", problems));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("/f:1: 'local:$RUNDIR/a.sock' holds an unexpanded shell variable"));
        assertTrue(problems.get(2).startsWith("/f:1: 'tcp:25' is not a connection spec ("), problems.get(2));
    }

    // --- milters' own files ---

    @Test
    void opendkimKeywordIsCaseInsensitiveAndCommentedLinesDoNotCount() throws IOException {
        SystemFile conf = file("/etc/opendkim.conf", "#Socket inet:1@localhost\n  socket   inet:8891@localhost # here\n");
        assertEquals(Optional.of(new Setting("inet:8891@localhost", "/etc/opendkim.conf:2")),
                MilterOwnConfig.read(MilterKind.OPENDKIM, conf, new ArrayList<>()).socket());
    }

    @Test
    void clamavExampleLineMakesTheMilterUnconfigured() throws IOException {
        List<String> problems = new ArrayList<>();
        MilterOwnConfig own = MilterOwnConfig.read(MilterKind.CLAMAV,
                file("/etc/clamav/clamav-milter.conf", "Example\nMilterSocket /tmp/x\n"), problems);
        assertTrue(own.unconfigured());
        assertEquals(List.of("/etc/clamav/clamav-milter.conf:1: the file still has its 'Example' line, so"
                + " clamav-milter is not configured yet; skipped"), problems);
        MilterOwnConfig configured = MilterOwnConfig.read(MilterKind.CLAMAV,
                file("/etc/clamav/c2.conf", "#Example\nMilterSocket inet:7357\n"), problems);
        assertEquals(Optional.of(new Setting("inet:7357", "/etc/clamav/c2.conf:2")), configured.socket());
    }

    @Test
    void greylistTakesTheFirstSocketAndTheLongestTarpitOfAnyUnit() throws IOException {
        MilterOwnConfig own = MilterOwnConfig.read(MilterKind.GREYLIST, file("/etc/greylist.conf", """
                # socket "/commented"
                socket "/run/g.sock" 666
                socket "/run/second.sock"
                racl greylist list "x" tarpit 2h
                racl greylist default \\
                     tarpit 1d
                dacl continue tarpit 1w
                """), new ArrayList<>());
        assertEquals(Optional.of(new Setting("/run/g.sock", "/etc/greylist.conf:2")), own.socket());
        String expected = Long.toString(7 + 86400);
        assertEquals(Map.of("writing_timeout", expected, "reading_timeout", expected), own.items(),
                "racl tarpits count, dacl ones do not (the reference reads recipient ACLs)");
    }

    @Test
    void missingFilesSayNothing() {
        assertEquals(MilterOwnConfig.NONE,
                MilterOwnConfig.read(MilterKind.OPENDKIM, SystemFile.of(root, "/etc/none.conf"), new ArrayList<>()));
    }

    // --- rspamd ---

    @Test
    void rspamdProxyInMilterModeIsFoundInConfigdumpJson() {
        Object config = Json.parse("""
                {"worker": [{"normal": {"bind_socket": "*:11333"}},
                            {"rspamd_proxy": {"milter": false, "bind_socket": "localhost:1"}},
                            {"rspamd_proxy": {"milter": "yes", "bind_socket": ["/run/rspamd/milter.sock mode=0666"]}}]}
                """);
        String bind = RspamdProxy.proxyBind(config).orElseThrow();
        assertEquals("unix:/run/rspamd/milter.sock", RspamdProxy.spec(bind));
        assertEquals("inet:11332@localhost", RspamdProxy.spec("*:11332"));
        assertEquals("inet:11332@127.0.0.1", RspamdProxy.spec("127.0.0.1:11332"));
        assertEquals(Optional.empty(), RspamdProxy.proxyBind(Json.parse("{\"worker\": []}")));
    }

    @Test
    void jsonReaderReadsEveryValueKindAndRejectsGarbage() {
        assertEquals(Map.of("a", List.of(1.0, true, false, "x\"\u00e9\n"), "b", Map.of()),
                Json.parse("{\"a\": [1, true, false, \"x\\\"\\u00e9\\n\"], \"b\": {}}"));
        assertEquals(null, Json.parse(" null "));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
    }

    @Test
    void aFailingRspamadmIsAProblem() throws IOException {
        SystemFile rspamadm = file("/usr/bin/rspamadm", "#!/bin/sh\necho broken >&2\nexit 3\n");
        rspamadm.path().toFile().setExecutable(true);
        List<String> problems = new ArrayList<>();
        assertEquals(Optional.empty(), RspamdProxy.socket(rspamadm, problems));
        assertEquals(List.of("/usr/bin/rspamadm configdump --json: exited with status 3; rspamd skipped"), problems);
        assertEquals(Optional.empty(), RspamdProxy.socket(SystemFile.of(root, "/usr/bin/none"), problems),
                "not installed: not run, nothing to say");
        assertEquals(1, problems.size());
    }

    // --- systemd units ---

    @Test
    void wholeUnitOverrideInEtcReplacesThePackagedUnit() throws IOException {
        file("/lib/systemd/system/m.service", "[Unit]\nDescription=packaged\n[Service]\nExecStart=/usr/sbin/m -p /a\n");
        file("/etc/systemd/system/m.service", "[Unit]\nDescription=local\n[Service]\nExecStart=/usr/sbin/m -p /b\n");
        SystemdUnit unit = SystemdUnit.read(root, "/lib/systemd/system", "m").orElseThrow();
        assertEquals("local", unit.description());
        assertEquals(Optional.of(new Setting("/usr/sbin/m -p /b", "/etc/systemd/system/m.service:4")),
                unit.execStart());
    }

    @Test
    void dropInsApplyInNameOrderAndEnvironmentLinesExpandIntoExecStart() throws IOException {
        file("/lib/systemd/system/m.service", "[Service]\nExecStart=-/usr/sbin/m \\\n  -p ${S}\n");
        file("/lib/systemd/system/m.service.d/10-packaged.conf", "[Service]\nEnvironment=S=/packaged.sock\n");
        file("/etc/systemd/system/m.service.d/20-local.conf", "[Service]\nEnvironment=\"S=/local.sock\" T=1\n");
        SystemdUnit unit = SystemdUnit.read(root, "/lib/systemd/system", "m").orElseThrow();
        assertEquals("/usr/sbin/m -p /local.sock", unit.execStart().orElseThrow().value());
    }

    @Test
    void maskedUnitIsNotEnabled() throws IOException {
        file("/etc/debian_version", "12\n");
        file("/lib/systemd/system/opendkim.service", "[Service]\nExecStart=/usr/sbin/opendkim\n");
        file("/etc/opendkim.conf", "Socket inet:8891@localhost\n");
        file("/etc/systemd/system/multi-user.target.wants/opendkim.service", "");
        assertTrue(MilterDetector.detect(root).milter("opendkim").orElseThrow().enabled());
        Files.createSymbolicLink(SystemFile.of(root, "/etc/systemd/system/opendkim.service").path(),
                Path.of("/dev/null"));
        DetectedMilter masked = MilterDetector.detect(root).milter("opendkim").orElseThrow();
        assertEquals(false, masked.enabled());
        assertEquals("inet:8891@localhost", masked.connectionSpec());
    }

    @Test
    void withoutSystemdRunningAUnitWithAnInitScriptIsStartedByService() throws IOException {
        file("/etc/debian_version", "12\n");
        file("/lib/systemd/system/opendkim.service", "[Service]\nExecStart=/usr/sbin/opendkim\n");
        file("/etc/init.d/opendkim", "#!/bin/sh\n");
        file("/etc/opendkim.conf", "Socket inet:8891@localhost\n");
        file("/usr/bin/systemctl", "").path().toFile().setExecutable(true);
        file("/usr/sbin/service", "").path().toFile().setExecutable(true);
        assertEquals(List.of("/usr/sbin/service", "opendkim", "start"),
                MilterDetector.detect(root).milter("opendkim").orElseThrow().command());
        Files.createDirectories(SystemFile.of(root, "/run/systemd/system").path());
        assertEquals(List.of("/usr/bin/systemctl", "start", "opendkim"),
                MilterDetector.detect(root).milter("opendkim").orElseThrow().command());
        Files.delete(SystemFile.of(root, "/usr/sbin/service").path());
        Files.delete(SystemFile.of(root, "/usr/bin/systemctl").path());
        assertEquals(List.of("/etc/init.d/opendkim", "start"),
                MilterDetector.detect(root).milter("opendkim").orElseThrow().command());
    }

    @Test
    void freeBsdCommandArgsSeeTheVariablesRcConfSets() throws IOException {
        file("/bin/freebsd-version", "");
        file("/usr/local/etc/rc.d/spamass-milter", """
                #!/bin/sh
                name="spamass_milter"
                load_rc_config $name
                : ${spamass_milter_sock:="/var/run/default.sock"}
                command_args="-f -p ${spamass_milter_sock}"
                run_rc_command "$1"
                """);
        file("/etc/rc.conf", "spamass_milter_enable=\"YES\"\nspamass_milter_sock=\"/var/run/local.sock\"\n");
        DetectedMilter spamass = MilterDetector.detect(root).milter("spamass-milter").orElseThrow();
        assertEquals("unix:/var/run/local.sock", spamass.connectionSpec());
        assertEquals("/usr/local/etc/rc.d/spamass-milter:5", spamass.origin());
        assertTrue(spamass.enabled());
        assertEquals(List.of("/usr/local/etc/rc.d/spamass-milter", "start"), spamass.command(), "no service(8) here");
    }
}
