package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceImportTest {

    @TempDir
    Path dir;

    private static final String LOCAL_CONF = """
            # -*- ruby -*-
            manager.connection_spec = "unix:/var/run/milter-manager/milter-manager.sock"
            manager.fallback_status = "temporary-failure"   # be careful
            security.privilege_mode = true
            log.level = "warning|statistics"

            define_milter("clamav-milter") do |milter|
              milter.connection_spec = "unix:/var/run/clamav/clamav-milter.ctl"
              milter.description = "ClamAV # virus check"
              milter.enabled = true
              milter.fallback_status = "accept"
              milter.evaluation_mode = false
              milter.writing_timeout = 7.5
              milter.command = "/etc/init.d/clamav-milter"
              milter.command_options = "start"
            end

            define_milter('spamass-milter') { |m|
              m.connection_spec = 'inet:11120@[127.0.0.1]'
              m.reading_timeout = 30
            }

            remove_milter("milter-greylist")

            define_applicable_condition("Office Hours") do |condition|
              condition.description = "only in office hours"
              condition.define_connect_stopper do |context, host, address|
                Time.now.hour < 8
              end
            end

            manager.max_connections = ENV["MAX"].to_i
            define_milter("opendkim") do |milter|
              milter.connection_spec = "inet:8891@[127.0.0.1]"
              milter.colour = "blue"
            end
            """;

    @Test
    void theCommonFormIsTranslatedAndTheRestListedWithItsLine() throws Exception {
        Path local = dir.resolve("milter-manager.local.conf");
        Files.writeString(local, LOCAL_CONF);
        ReferenceImport.Result result = ReferenceImport.translate(local);
        List<String> untranslated = result.untranslated();
        assertEquals(3, untranslated.size(), String.join("\n", untranslated));
        assertTrue(untranslated.get(0).startsWith(local + ":25: define_applicable_condition(\"Office Hours\") do "
                + "|condition|: a Ruby block (lines 25-30)"), untranslated.get(0));
        assertTrue(untranslated.get(1).startsWith(local + ":32: manager.max_connections = ENV[\"MAX\"].to_i: not a "
                + "literal value"), untranslated.get(1));
        assertTrue(untranslated.get(2).startsWith(local + ":35: milter.colour = \"blue\": expected one of "),
                untranslated.get(2));

        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("milter-manager.conf"), result.text());
        Configuration c = ConfigurationLoader.create(etc).load();
        assertEquals(ConnectionSpec.parse("unix:/var/run/milter-manager/milter-manager.sock"),
                c.manager().connectionSpec());
        assertEquals(Status.TEMPORARY_FAILURE, c.manager().fallbackStatus());
        assertEquals("warning|statistics", c.daemon().logLevelText());
        assertEquals(List.of("clamav-milter", "spamass-milter", "opendkim"),
                c.manager().children().stream().map(ChildConfig::name).toList());
        ChildConfig clamav = c.manager().children().get(0);
        assertEquals("ClamAV # virus check", clamav.description());
        assertEquals(Duration.ofMillis(7500), clamav.writingTimeout());
        assertEquals(Duration.ofSeconds(30), c.manager().children().get(1).readingTimeout());
        assertTrue(result.text().contains("remove_milter = milter-greylist\n"), result.text());
        assertTrue(result.text().contains("# NOT TRANSLATED (line 25, "), result.text());
        assertTrue(result.text().contains("#       Time.now.hour < 8"), "the block is kept as comments");
    }

    @Test
    void addApplicableConditionCallsBecomeOneListAndConditionSettingsBecomeLines() throws Exception {
        Path local = dir.resolve("local.conf");
        Files.writeString(local, """
                define_milter("greylist") do |milter|
                  milter.connection_spec = "inet:7357@[127.0.0.1]"
                  milter.add_applicable_condition("S25R")
                  milter.add_applicable_condition "Remote Network"
                end
                limit.max = 4
                """);
        ReferenceImport.Result result = ReferenceImport.translate(local);
        assertTrue(result.text().contains("milter.greylist.applicable_conditions = S25R, Remote Network\n"),
                result.text());
        assertEquals(1, result.untranslated().size(), "limit.* belongs to no condition on the class path here");
        assertTrue(result.untranslated().get(0).startsWith(local + ":6: limit.max = 4: expected one of"),
                result.untranslated().toString());
    }

    @Test
    void rubyLiteralsBecomeConfigurationValues() {
        assertEquals("a b", RubyValue.parse("\"a b\""));
        assertEquals("it's", RubyValue.parse("'it\\'s'"));
        assertEquals("/\\.example\\.com\\z/i", RubyValue.parse("/\\.example\\.com\\z/i"));
        assertEquals("", RubyValue.parse("nil"));
        assertEquals("S25R, Remote Network", RubyValue.parse("[\"S25R\", 'Remote Network']"));
        assertEquals(List.of("a, b", "c"), RubyValue.parseAll("\"a, b\", \"c\""));
        assertEquals("x = \"#1\"", RubyValue.withoutComment("x = \"#1\" # note"));
    }
}
