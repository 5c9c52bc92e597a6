package dev.miltermanager.james;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.protocol.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init parameters: defaults, per-child options, and errors that name the parameter and what is expected. */
class MailetSettingsTest {

    private static MailetSettings parse(String... parameters) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < parameters.length; i += 2) {
            map.put(parameters[i], parameters[i + 1]);
        }
        return MailetSettings.parse(map.keySet().iterator(), map::get, () -> "mx.example.org");
    }

    private static String error(String... parameters) {
        return assertThrows(IllegalArgumentException.class, () -> parse(parameters)).getMessage();
    }

    @Test
    void childrenInOrderWithMailetWideTimeoutsAndTheirOwnOptions() {
        MailetSettings s = parse("milters", """
                # scanners first
                clamav=unix:/run/clamav/clamav-milter.ctl fallback_status=temporary-failure reading_timeout=30
                opendkim=inet:8891@[127.0.0.1] evaluation_mode=yes end_of_message_timeout=500ms reuse_connection=yes
                spare=inet6:9999@[::1] enabled=no
                """, "readingTimeout", "10s", "connectionTimeout", "2");
        var children = s.manager().children();
        assertEquals(3, children.size());
        ChildConfig clamav = children.get(0);
        assertEquals("clamav", clamav.name());
        assertEquals(Status.TEMPORARY_FAILURE, clamav.fallbackStatus());
        assertEquals(Duration.ofSeconds(30), clamav.readingTimeout(), "the child's own option wins");
        assertEquals(Duration.ofSeconds(2), clamav.connectionTimeout(), "the mailet-wide default");
        ChildConfig opendkim = children.get(1);
        assertTrue(opendkim.evaluationMode());
        assertTrue(opendkim.reuseConnection());
        assertFalse(clamav.reuseConnection());
        assertEquals(Duration.ofMillis(500), opendkim.endOfMessageTimeout());
        assertEquals(Duration.ofSeconds(10), opendkim.readingTimeout());
        assertEquals(false, children.get(2).enabled());
    }

    @Test
    void defaults() {
        MailetSettings s = parse("milters", "a=inet:1234@[127.0.0.1]");
        assertEquals(Status.ACCEPT, s.manager().fallbackStatus());
        assertEquals(Duration.ofMinutes(5), s.mailTimeout());
        assertEquals("milter-reject", s.rejectProcessor());
        assertEquals("milter-quarantine", s.quarantineProcessor());
        assertEquals(Optional.empty(), s.retryProcessor());
        assertEquals(Optional.empty(), s.senderChangedProcessor());
        assertEquals(Duration.ofMinutes(5), s.retryDelay());
        assertEquals(5, s.maxRetries());
        assertEquals("milter", s.attributePrefix());
        assertEquals("mx.example.org", s.hostname());
        assertEquals(ChildConfig.DEFAULT_END_OF_MESSAGE_TIMEOUT, s.manager().children().getFirst().endOfMessageTimeout());
    }

    @Test
    void errorsNameTheParameterAndWhatIsExpected() {
        assertEquals("milters: missing; list the child milters, one NAME=SPEC per line (or name the daemon's"
                + " configuration file in configFile)", error("rejectProcessor", "x"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1]", "readingTimout", "5")
                .startsWith("unknown parameter(s) [readingTimout] (known: milters, configFile"), "a typo is caught");
        assertTrue(error("milters", "clamav").startsWith("milters: entry 1 'clamav': expected NAME=SPEC first"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1]\nb=tcp:9").startsWith("milters: entry 2 'b=tcp:9': "),
                error("milters", "a=inet:1@[127.0.0.1]\nb=tcp:9"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1] fallback=reject")
                .contains("unknown option 'fallback=reject' (expected item=value with item one of enabled, fallback_status"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1] reading_timeout=soon")
                .contains("reading_timeout: 'soon' is not a duration (expected seconds such as 7 or 1.5"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1] fallback_status=maybe").contains("unknown status 'maybe'"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1]\na=inet:2@[127.0.0.1]").contains("two child milters are named a"));
        assertEquals("mailTimeout: '0' is not a positive duration",
                error("milters", "a=inet:1@[127.0.0.1]", "mailTimeout", "0"));
        assertEquals("maxRetries: '-1' is not a whole number of 0 or more",
                error("milters", "a=inet:1@[127.0.0.1]", "maxRetries", "-1"));
        assertTrue(error("milters", "a=inet:1@[127.0.0.1]", "fallbackStatus", "continue")
                .startsWith("milters: fallback_status must be accept, temporary-failure, reject or discard"),
                error("milters", "a=inet:1@[127.0.0.1]", "fallbackStatus", "continue"));
        assertTrue(error("milters", "# nothing but a comment").startsWith("milters: no child milter is listed"));
    }

    @Test
    void theChildrenAndManagerItemsCanComeFromTheDaemonsConfigurationFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("james-milters.conf");
        Files.writeString(file, """
                manager.fallback_status = temporary-failure
                milter.clamav.connection_spec = unix:/run/clamav/clamav-milter.ctl
                milter.clamav.reading_timeout = 30
                milter.greylist.connection_spec = inet:10026@[127.0.0.1]
                milter.greylist.applicable_conditions = S25R
                """);
        MailetSettings s = parse("configFile", file.toString(), "rejectProcessor", "spam");
        assertEquals(List.of("clamav", "greylist"), s.manager().children().stream().map(ChildConfig::name).toList());
        assertEquals(Status.TEMPORARY_FAILURE, s.manager().fallbackStatus());
        assertEquals(Duration.ofSeconds(30), s.manager().children().get(0).readingTimeout());
        assertEquals(List.of("S25R"), s.manager().children().get(1).conditionNames());
        assertEquals("spam", s.rejectProcessor());

        assertTrue(error("configFile", file.toString(), "milters", "a=inet:1@[127.0.0.1]")
                .startsWith("configFile: [milters] cannot be given with it"));
        assertTrue(error("configFile", dir.resolve("absent.conf").toString())
                .startsWith("configFile: " + dir.resolve("absent.conf") + " is not a readable file"));
        Files.writeString(file, "milter.clamav.connection_spec = unix:/x\nmilter.clamav.reading_timeout = soon\n");
        String bad = error("configFile", file.toString());
        assertTrue(bad.startsWith("configFile: ") && bad.contains(file + ":2: milter.clamav.reading_timeout = soon"),
                bad);
    }

    @Test
    void theSampleMailetcontainerXmlConfiguresTheMailet() throws Exception {
        org.w3c.dom.Document xml = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(java.nio.file.Path.of("docs", "examples", "mailetcontainer.xml").toFile());
        org.w3c.dom.NodeList mailets = xml.getElementsByTagName("mailet");
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < mailets.getLength(); i++) {
            org.w3c.dom.Element mailet = (org.w3c.dom.Element) mailets.item(i);
            if (mailet.getAttribute("class").equals(MilterMailet.class.getName())) {
                for (org.w3c.dom.Node n = mailet.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (n instanceof org.w3c.dom.Element e) {
                        parameters.put(e.getTagName(), e.getTextContent());
                    }
                }
            }
        }
        MailetSettings s = MailetSettings.parse(parameters.keySet().iterator(), parameters::get, () -> "mx");
        assertEquals(java.util.List.of("clamav", "opendkim", "spamass"),
                s.manager().children().stream().map(ChildConfig::name).toList());
        assertEquals(Duration.ofSeconds(60), s.manager().children().get(0).endOfMessageTimeout());
        assertEquals(Duration.ofSeconds(120), s.manager().children().get(1).endOfMessageTimeout());
        assertEquals(Duration.ofSeconds(150), s.mailTimeout());
        assertEquals(Duration.ofMinutes(5), s.retryDelay());
    }

    @Test
    void aBadConfigurationFailsTheMailetsStartNamingTheMailet() {
        FakeMailetConfig config = FakeMailetConfig.builder().mailetName("milters-in")
                .mailetContext(FakeMailContext.defaultContext()).setProperty("milters", "clamav").build();
        MailetException e = assertThrows(MailetException.class, () -> new MilterMailet().init(config));
        assertTrue(e.getMessage().startsWith("MilterMailet milters-in: milters: entry 1 'clamav'"), e.getMessage());
    }
}
