package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detected children are merged first; the files override them item by item, disable or remove them. */
class DetectedConfigurationTest {

    @TempDir
    Path dir;

    private final List<Optional<Platform>> platformsAsked = new ArrayList<>();

    private static final DetectedMilter OPENDKIM = new DetectedMilter("opendkim", "DKIM signer",
            "inet:8891@[127.0.0.1]", true, List.of(), List.of("systemctl", "start", "opendkim"),
            "/etc/opendkim.conf:12");
    private static final DetectedMilter CLAMAV = new DetectedMilter("clamav-milter", "", "unix:/run/clamav.ctl",
            false, List.of(), List.of(), "/etc/clamav/clamav-milter.conf:3");
    private static final DetectedMilter GREYLIST = new DetectedMilter("milter-greylist", "", "unix:/run/greylist.sock",
            true, List.of(), List.of(), "/etc/mail/greylist.conf:7", Map.of("writing_timeout", "17"));

    private ConfigurationLoader loader(String file, DetectionResult found) throws Exception {
        Files.writeString(dir.resolve("milter-manager.conf"), file);
        return ConfigurationLoader.create(dir).withDetection(dir.resolve("root")).withDetector((root, platform) -> {
            assertEquals(dir.resolve("root"), root);
            platformsAsked.add(platform);
            return found;
        });
    }

    private String conf() {
        return dir.resolve("milter-manager.conf").toString();
    }

    @Test
    void detectedChildrenComeFirstAndTheFileOverridesDisablesOrRemovesThem() throws Exception {
        Configuration c = loader("""
                package.platform = debian
                milter.mine.connection_spec = inet:9999@[127.0.0.1]
                milter.opendkim.reading_timeout = 12
                remove_milter = milter-greylist
                milter.clamav-milter.enabled = true
                """, new DetectionResult(List.of(OPENDKIM, CLAMAV, GREYLIST), List.of())).load();
        assertEquals(List.of(Optional.of(Platform.DEBIAN)), platformsAsked);
        List<ChildConfig> children = c.manager().children();
        assertEquals(List.of("opendkim", "clamav-milter", "mine"), children.stream().map(ChildConfig::name).toList());
        assertEquals(ChildConfig.builder("opendkim", ConnectionSpec.parse("inet:8891@[127.0.0.1]"))
                .description("DKIM signer").readingTimeout(Duration.ofSeconds(12))
                .command(List.of("systemctl", "start", "opendkim")).build(), children.get(0));
        assertTrue(children.get(1).enabled(), "the file enables what the system has disabled");
        assertEquals("detected (/etc/opendkim.conf:12)", c.origin("milter.opendkim.connection_spec"));
        assertEquals("detected (/etc/opendkim.conf:12)", c.origin("milter.opendkim.command"));
        assertEquals(conf() + ":3", c.origin("milter.opendkim.reading_timeout"));
        assertEquals(conf() + ":5", c.origin("milter.clamav-milter.enabled"));
        assertTrue(c.show().contains("milter.opendkim.connection_spec = inet:8891@[127.0.0.1]  # detected "
                + "(/etc/opendkim.conf:12)\n"), c.show());
        assertTrue(c.show().contains("milter.opendkim.command = systemctl start opendkim  # detected"), c.show());
        assertTrue(c.show().contains("# removed: milter milter-greylist (" + conf() + ":4)"), c.show());
        assertEquals(List.of(), c.warnings(), "a detected command is no warning");
    }

    @Test
    void detectedExtraItemsApplyAndAStateOfDisabledIsKept() throws Exception {
        Configuration c = loader("", new DetectionResult(List.of(CLAMAV, GREYLIST), List.of())).load();
        assertEquals(List.of(Optional.empty()), platformsAsked, "the platform is guessed when the file names none");
        assertFalse(c.manager().children().get(0).enabled());
        assertEquals(Duration.ofSeconds(17), c.manager().children().get(1).writingTimeout());
        assertEquals("detected (/etc/mail/greylist.conf:7)", c.origin("milter.milter-greylist.writing_timeout"));
    }

    @Test
    void detectionProblemsAndBadDetectedValuesAreWarningsNeverErrors() throws Exception {
        DetectedMilter broken = new DetectedMilter("rspamd", "", "inet:port@localhost", true, List.of(), List.of(),
                "/usr/local/etc/rc.conf:4");
        DetectedMilter badCondition = new DetectedMilter("spamass-milter", "", "unix:/run/spamass.sock", true,
                List.of("No Such Condition"), List.of(), "/etc/default/spamass-milter:2");
        Configuration c = loader("", new DetectionResult(List.of(broken, OPENDKIM, badCondition),
                List.of("/etc/rc.conf:9: milter_greylist_socket=\"$sock\": unexpanded variable, skipped"))).load();
        assertEquals(List.of("opendkim", "spamass-milter"), c.manager().children().stream().map(ChildConfig::name)
                .toList());
        assertEquals(List.of(), c.manager().children().get(1).conditions());
        assertEquals(3, c.warnings().size(), String.join("\n", c.warnings()));
        assertTrue(c.warnings().get(0).startsWith("detection: /etc/rc.conf:9: "), c.warnings().get(0));
        assertTrue(c.warnings().get(1).startsWith("detected (/usr/local/etc/rc.conf:4): milter.rspamd.connection_spec "
                + "= inet:port@localhost: expected a connection spec"), c.warnings().get(1));
        assertTrue(c.warnings().get(1).endsWith("(detected value skipped)"), c.warnings().get(1));
        assertTrue(c.warnings().get(2).contains("No Such Condition is neither") && c.warnings().get(2)
                .endsWith("condition skipped"), c.warnings().get(2));
    }

    @Test
    void theFileCanRedefineAChildWhoseDetectedSocketWasBad() throws Exception {
        DetectedMilter broken = new DetectedMilter("rspamd", "", "inet:port@localhost", true, List.of(), List.of(),
                "/usr/local/etc/rc.conf:4");
        Configuration c = loader("milter.rspamd.connection_spec = inet:11332@[127.0.0.1]\n",
                new DetectionResult(List.of(broken), List.of())).load();
        assertEquals(conf() + ":1", c.origin("milter.rspamd.connection_spec"));
    }

    @Test
    void aDetectorThatFailsIsAWarning() throws Exception {
        Files.writeString(dir.resolve("milter-manager.conf"), "");
        Configuration c = ConfigurationLoader.create(dir).withDetection(dir).withDetector((root, platform) -> {
            throw new IllegalStateException("boom");
        }).load();
        assertEquals(List.of(), c.manager().children());
        assertTrue(c.warnings().get(0).startsWith("detection below " + dir + " failed"), c.warnings().toString());
    }
}
