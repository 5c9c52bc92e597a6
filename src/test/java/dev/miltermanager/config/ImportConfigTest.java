package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code milter-manager import-config}: reference Ruby configurations in, our format out, nothing dropped silently. */
class ImportConfigTest {
    private static final Path DIR = Path.of("src/test/resources/import-config");
    private static final Path DEBIAN = Path.of("src/test/resources/detect/debian-systemd");

    @TempDir
    Path tmp;

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ImportConfig.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> translate(Map<String, List<String>> presets, String... lines) {
        RubyConfigTranslator.Result r = new RubyConfigTranslator("local.conf", presets).translate(List.of(lines));
        return r.untranslated().isEmpty() ? r.lines() : List.of("untranslated: " + r.untranslated());
    }

    @Test
    void aRealisticLocalConfTranslatesToTheExpectedFile() throws Exception {
        Run run = run("--root", DEBIAN.toString(), DIR.resolve("milter-manager.local.conf").toString());
        assertEquals(Files.readString(DIR.resolve("milter-manager.conf.expected")), run.out());
        assertEquals(1, run.status(), "something was not translated");
    }

    @Test
    void everyUntranslatedStatementIsListedWithItsLineOnStandardErrorAndInTheOutput() {
        Run run = run("--root", DEBIAN.toString(), DIR.resolve("milter-manager.local.conf").toString());
        List<String> errors = run.err().lines().toList();
        String file = DIR.resolve("milter-manager.local.conf").toString();
        assertEquals(List.of(54, 63, 64, 65), errors.stream()
                .map(l -> Integer.parseInt(l.substring(("not translated: " + file + ":").length()).split(":")[0]))
                .toList(), run.err());
        for (int line : List.of(54, 63, 64, 65)) {
            assertTrue(run.out().contains("# NOT TRANSLATED (line " + line + ")"), "line " + line);
        }
        assertTrue(run.out().contains("#   hour < 9 or hour >= 17"), "the custom block's code is kept as comments");
        assertTrue(run.out().contains("\nmilter.spamd.user_name = \n"), "nil is the empty value: unset");
    }

    @Test
    void aFullyTranslatableFileExitsZeroAndWritesTheOutputFile() throws Exception {
        Path in = tmp.resolve("local.conf");
        Files.writeString(in, """
                define_milter("milter-greylist") do |milter|
                  milter.applicable_conditions = ["S25R"]
                end
                """);
        Path outFile = tmp.resolve("milter-manager.conf");
        Run run = run("--root", tmp.toString(), "--output", outFile.toString(), in.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals("", run.err());
        assertEquals("", run.out());
        assertTrue(Files.readString(outFile).endsWith(
                "milter.milter-greylist.applicable_conditions = S25R\n"), Files.readString(outFile));
    }

    @Test
    void addedConditionsOfAnUndetectedMilterAreTheWholeList() {
        assertEquals(List.of("", "# define_milter(\"x\") (local.conf:1)", "milter.x.connection_spec = unix:/run/x.sock",
                "milter.x.applicable_conditions = S25R, No Stress"),
                translate(Map.of(), "define_milter(\"x\") do |milter|", "  milter.connection_spec = \"unix:/run/x.sock\"",
                        "  milter.add_applicable_condition \"S25R\"", "  milter.applicable_conditions << \"No Stress\"",
                        "end"));
    }

    @Test
    void anAssignmentReplacesThePresetsAndAddsFollow() {
        assertEquals("milter.g.applicable_conditions = Trust, S25R",
                translate(Map.of("g", List.of("Remote Network")), "define_milter('g') { |m|",
                        "  m.applicable_conditions = ['Trust']", "  m.add_applicable_condition('S25R')", "}").getLast());
    }

    @Test
    void theNetstatConnectionCheckerBecomesTheCheckInterval() {
        assertEquals(List.of("manager.connection_check_interval = 5", "manager.connection_check_interval = 2.5"),
                translate(Map.of(), "manager.use_netstat_connection_checker", "manager.use_netstat_connection_checker(2.5)"));
    }

    @Test
    void commandArraysBecomeOneShellLine() {
        assertEquals("milter.x.command = /usr/bin/x -c '/etc/x y.conf'", translate(Map.of(),
                "define_milter(\"x\") do |m|", "m.command = [\"/usr/bin/x\", \"-c\", \"/etc/x y.conf\"]", "end").get(2));
    }

    @Test
    void rubyLoopsAndConditionalsAreKeptAsCommentsAndListed() {
        RubyConfigTranslator.Result r = new RubyConfigTranslator("local.conf", Map.of()).translate(List.of(
                "[\"a\", \"b\"].each do |name|", "  define_milter(name) do |milter|", "    milter.enabled = false",
                "  end", "end", "if File.exist?(\"/etc/x\")", "  remove_milter(\"x\")", "end", "log.level = \"info\""));
        assertEquals(List.of(
                "local.conf:1: [\"a\", \"b\"].each do |name|: a Ruby block (lines 1-5) is custom code; write it as a"
                        + " Java condition (see docs/conditions.md) or leave it out",
                "local.conf:6: if File.exist?(\"/etc/x\"): a Ruby block (lines 6-8) is custom code; write it as a"
                        + " Java condition (see docs/conditions.md) or leave it out"),
                r.untranslated());
        assertEquals("log.level = info", r.lines().getLast());
    }

    @Test
    void unknownItemsAndMethodsAreNotGuessed() {
        RubyConfigTranslator.Result r = new RubyConfigTranslator("f", Map.of()).translate(List.of(
                "manager.frobnicate = 1", "define_milter(\"x\") do |milter|", "  milter.colour = \"red\"",
                "  puts milter.name", "end", "s25r.add_whitelist do |host| host.end_with?(\"x\") end"));
        assertEquals(4, r.untranslated().size(), r.untranslated().toString());
        assertTrue(r.untranslated().get(0).startsWith("f:1: manager.frobnicate = 1: 'manager.frobnicate' is not an"));
        assertTrue(r.untranslated().get(1).startsWith("f:3: milter.colour = \"red\": 'colour' is not a milter item"));
        assertTrue(r.untranslated().get(2).startsWith("f:4: puts milter.name: Ruby code inside define_milter"));
        assertTrue(r.untranslated().get(3).startsWith("f:6: s25r.add_whitelist do |host|"));
    }

    @Test
    void badArgumentsAndMissingFilesExitTwo() {
        assertEquals(2, run().status());
        assertEquals(2, run("--frob", "x").status());
        assertEquals(2, run("--output").status());
        Run missing = run(tmp.resolve("none.conf").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("cannot read"), missing.err());
        assertEquals(0, run("--help").status());
    }

    @Test
    void rubyLiteralsReadAsTheReferenceWritesThem() throws Exception {
        assertEquals("a\"b", RubyValues.value("\"a\\\"b\"").text());
        assertEquals("a b", RubyValues.value("'a b'").text());
        assertEquals("/\\Ax\\z/i", RubyValues.value("/\\Ax\\z/i").text());
        assertEquals("/a.b/", RubyValues.value("%r{a.b}").text());
        assertEquals("0660", RubyValues.value("0660").text());
        assertEquals("297.0", RubyValues.value("297.0").text());
        assertEquals("accept", RubyValues.value(":accept").text());
        assertEquals("S25R, Remote Network", RubyValues.value("[\"S25R\", 'Remote Network']").written());
        assertEquals(2, RubyValues.arguments("(\"zen.spamhaus.org\", [\"127.0.0.2\"])").size());
        assertThrows(RubyValues.Untranslatable.class, () -> RubyValues.value("\"#{x}\""));
        assertThrows(RubyValues.Untranslatable.class, () -> RubyValues.value("/x/m"));
        assertThrows(RubyValues.Untranslatable.class, () -> RubyValues.value("File.read(\"x\")"));
        assertThrows(RubyValues.Untranslatable.class, () -> RubyValues.arguments("\"a\", milters: [\"x\"]"));
    }
}
