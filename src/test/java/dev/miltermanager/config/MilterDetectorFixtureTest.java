package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Detection on the fixture trees under {@code src/test/resources/detect/}: one per platform layout, each holding
 * the files a real installation of the milters has, and the problem cases next to them.
 */
class MilterDetectorFixtureTest {
    static final Path FIXTURES = Path.of("src/test/resources/detect");
    static final List<String> GREYLIST = List.of("Sendmail Compatible", "Stress Notify", "Trust", "Remote Network",
            "S25R", "Unauthenticated");
    static final List<String> CONTENT = List.of("Remote Network", "Unauthenticated", "No Stress");

    static DetectionResult detect(String tree) {
        return MilterDetector.detect(FIXTURES.resolve(tree));
    }

    @Nested
    class DebianWithSystemd {
        final DetectionResult result = detect("debian-systemd");

        @Test
        void platformIsGuessedFromDebianVersion() {
            assertEquals(Platform.DEBIAN, Platform.guess(FIXTURES.resolve("debian-systemd")));
        }

        @Test
        void findsTheMiltersInTheReferencesCandidateOrder() {
            assertEquals(List.of("milter-greylist", "clamav-milter", "opendkim", "opendmarc", "spamass-milter",
                    "rspamd"), result.milters().stream().map(DetectedMilter::name).toList());
        }

        @Test
        void opendkimSocketComesFromOpendkimConfAndLocalBecomesUnix() {
            assertEquals(new DetectedMilter("opendkim", "OpenDKIM Milter", "unix:/run/opendkim/opendkim.sock", true,
                    List.of(), List.of("/usr/bin/systemctl", "start", "opendkim"), "/etc/opendkim.conf:9"),
                    result.milter("opendkim").orElseThrow());
        }

        @Test
        void opendmarcSocketComesFromOpendmarcConf() {
            assertEquals(new DetectedMilter("opendmarc", "OpenDMARC Milter", "inet:8893@localhost", true, List.of(),
                    List.of("/usr/bin/systemctl", "start", "opendmarc"), "/etc/opendmarc.conf:4"),
                    result.milter("opendmarc").orElseThrow());
        }

        @Test
        void anAdministratorsDropInOverridesTheSocketAndTarpitLengthensTheTimeouts() {
            // Reference issue #205: the override in /etc/systemd/system/NAME.service.d wins over greylist.conf.
            assertEquals(new DetectedMilter("milter-greylist", "Greylisting milter", "inet:11125@[127.0.0.1]", true,
                    GREYLIST, List.of("/usr/bin/systemctl", "start", "milter-greylist"),
                    "/etc/systemd/system/milter-greylist.service.d/override.conf:3",
                    Map.of("writing_timeout", "127", "reading_timeout", "127")),
                    result.milter("milter-greylist").orElseThrow());
        }

        @Test
        void aUnitWithoutTheWantsLinkIsDetectedButDisabled() {
            DetectedMilter clamav = result.milter("clamav-milter").orElseThrow();
            assertEquals(false, clamav.enabled());
            assertEquals("unix:/var/run/clamav/clamav-milter.ctl", clamav.connectionSpec());
            assertEquals("/etc/clamav/clamav-milter.conf:2", clamav.origin());
        }

        @Test
        void execStartIsExpandedFromTheEnvironmentFile() {
            DetectedMilter spamass = result.milter("spamass-milter").orElseThrow();
            assertEquals("unix:/var/spool/postfix/spamass/spamass.sock", spamass.connectionSpec());
            assertEquals(CONTENT, spamass.applicableConditions());
            assertEquals("/lib/systemd/system/spamass-milter.service:7", spamass.origin());
        }

        @Test
        void rspamdProxyComesFromRspamadmConfigdumpWithStarAsLocalhost() {
            DetectedMilter rspamd = result.milter("rspamd").orElseThrow();
            assertEquals("inet:11332@localhost", rspamd.connectionSpec());
            assertEquals("/usr/bin/rspamadm configdump --json", rspamd.origin());
            assertEquals(CONTENT, rspamd.applicableConditions());
        }

        @Test
        void anUnexpandedVariableIsReportedWithFileAndLineAndTheMilterSkipped() {
            assertEquals(List.of(
                    "/etc/default/spfmilter:2: 'local:$RUNDIR/spfmilter.sock' holds an unexpanded shell variable,"
                            + " so the socket is unknown; skipped",
                    "/lib/systemd/system/spfmilter.service: spfmilter is installed but no usable socket was found"
                            + " for it; skipped"),
                    result.problems());
        }
    }

    @Nested
    class DebianWithInitScripts {
        final DetectionResult result = detect("debian-init");

        @Test
        void findsTheConfiguredMilters() {
            assertEquals(List.of("milter-greylist", "opendkim", "spamass-milter"),
                    result.milters().stream().map(DetectedMilter::name).toList());
        }

        @Test
        void defaultFileSocketWinsOverGreylistConfAndServiceStartsIt() {
            assertEquals(new DetectedMilter("milter-greylist", "Greylisting milter",
                    "unix:/var/run/milter-greylist/milter-greylist.sock", true, GREYLIST,
                    List.of("/usr/sbin/service", "milter-greylist", "start"), "/etc/default/milter-greylist:3"),
                    result.milter("milter-greylist").orElseThrow());
        }

        @Test
        void variablesOfTheDefaultFileAreExpandedWhenTheConfHasNoSocket() {
            DetectedMilter opendkim = result.milter("opendkim").orElseThrow();
            assertEquals("unix:/run/opendkim/opendkim.sock", opendkim.connectionSpec());
            assertEquals("/etc/default/opendkim:10", opendkim.origin());
            assertEquals("Start the OpenDKIM service to provide DKIM signing and verification",
                    opendkim.description());
        }

        @Test
        void enabledZeroDisablesAndDashPInOptionsGivesTheSocket() {
            DetectedMilter spamass = result.milter("spamass-milter").orElseThrow();
            assertEquals(false, spamass.enabled());
            assertEquals("inet:11120@[127.0.0.1]", spamass.connectionSpec());
        }

        @Test
        void clamavExampleLineAndAnInvalidSpecAreProblemsNotFailures() {
            assertEquals(List.of(
                    "/etc/clamav/clamav-milter.conf:6: the file still has its 'Example' line, so clamav-milter is"
                            + " not configured yet; skipped",
                    "/etc/default/amavisd-new-milter:2: 'inet:port@localhost' is not a connection spec (invalid"
                            + " connection spec \"inet:port@localhost\": the port \"port\" is not a number from 0"
                            + " to 65535; expected inet:PORT, inet:PORT@HOST or inet:PORT@[IPV4-ADDRESS]); skipped",
                    "/etc/init.d/amavisd-new-milter: amavisd-new-milter is installed but no usable socket was found"
                            + " for it; skipped"),
                    result.problems());
        }
    }

    @Nested
    class RedHat {
        final DetectionResult result = detect("redhat");

        @Test
        void platformIsGuessedFromRedhatRelease() {
            assertEquals(Platform.REDHAT, Platform.guess(FIXTURES.resolve("redhat")));
        }

        @Test
        void findsUnitsAndInitScripts() {
            assertEquals(List.of("milter-greylist", "clamav-milter", "spamass-milter", "opendkim"),
                    result.milters().stream().map(DetectedMilter::name).toList());
            assertEquals(List.of(), result.problems());
        }

        @Test
        void opendkimConfNamedByDashXInSysconfigOptions() {
            assertEquals(new DetectedMilter("opendkim", "DomainKeys Identified Mail (DKIM) Milter",
                    "inet:8891@localhost", true, List.of(), List.of("/usr/bin/systemctl", "start", "opendkim"),
                    "/etc/opendkim/opendkim.conf:3"), result.milter("opendkim").orElseThrow());
        }

        @Test
        void greylistSocketAndOneMinuteTarpitFromEtcMailGreylistConf() {
            DetectedMilter greylist = result.milter("milter-greylist").orElseThrow();
            assertEquals("unix:/run/milter-greylist/milter-greylist.sock", greylist.connectionSpec());
            assertEquals(Map.of("writing_timeout", "67", "reading_timeout", "67"), greylist.items());
        }

        @Test
        void initScriptIsEnabledByAnStartLinkOnlyAndStartedWithService() {
            DetectedMilter spamass = result.milter("spamass-milter").orElseThrow();
            assertEquals(new DetectedMilter("spamass-milter",
                    "spamass-milter is a daemon process which uses SpamAssassin to scan mail for spam.",
                    "unix:/run/spamass-milter/spamass-milter.sock", true, CONTENT,
                    List.of("/sbin/service", "spamass-milter", "start"), "/etc/sysconfig/spamass-milter:2"), spamass);
            DetectedMilter clamav = result.milter("clamav-milter").orElseThrow();
            assertEquals(false, clamav.enabled(), "only a K link");
            assertEquals("unix:/run/clamav-milter/clamav.sock", clamav.connectionSpec());
        }
    }

    @Nested
    class FreeBsd {
        final DetectionResult result = detect("freebsd");

        @Test
        void platformIsGuessedFromFreebsdVersion() {
            assertEquals(Platform.FREEBSD, Platform.guess(FIXTURES.resolve("freebsd")));
        }

        @Test
        void findsRcScriptsEnabledInRcConfAndItsCompanions() {
            assertEquals(List.of("milter-greylist", "clamav-milter", "milter-opendkim-signer",
                    "milter-opendkim-verifier", "opendmarc"),
                    result.milters().stream().map(DetectedMilter::name).toList());
        }

        @Test
        void greylistSocketFromTheCfgfileDefaultOfTheRcScript() {
            assertEquals(new DetectedMilter("milter-greylist", "Greylist milter",
                    "unix:/var/milter-greylist/milter-greylist.sock", true, GREYLIST,
                    List.of("/usr/sbin/service", "milter-greylist", "start"), "/usr/local/etc/mail/greylist.conf:1"),
                    result.milter("milter-greylist").orElseThrow());
        }

        @Test
        void rcConfDEnablesClamavMilter() {
            DetectedMilter clamav = result.milter("clamav-milter").orElseThrow();
            assertEquals(true, clamav.enabled());
            assertEquals("unix:/var/run/clamav/clmilter.sock", clamav.connectionSpec());
        }

        @Test
        void eachOpendkimProfileIsAMilterOfItsOwn() {
            assertEquals(new DetectedMilter("milter-opendkim-signer", "", "inet:8891@localhost", true, List.of(),
                    List.of("/usr/sbin/service", "milter-opendkim", "start", "signer"), "/etc/rc.conf:6"),
                    result.milter("milter-opendkim-signer").orElseThrow());
            assertEquals(new DetectedMilter("milter-opendkim-verifier", "",
                    "unix:/var/run/milteropendkim/verifier.sock", false, List.of(),
                    List.of("/usr/sbin/service", "milter-opendkim", "start", "verifier"), "/etc/rc.conf:7"),
                    result.milter("milter-opendkim-verifier").orElseThrow());
        }

        @Test
        void opendmarcSocketspecDefaultFromItsRcScript() {
            DetectedMilter opendmarc = result.milter("opendmarc").orElseThrow();
            assertEquals("inet:8893@localhost", opendmarc.connectionSpec());
            assertEquals("/usr/local/etc/rc.d/opendmarc:12", opendmarc.origin());
        }

        @Test
        void placeholderPortInRcConfLocalIsAProblemNotAFailure() {
            // Reference issue #154: "inet:port@localhost" stopped the reference manager from starting.
            assertEquals(List.of(
                    "/etc/rc.conf.local:3: 'inet:port@localhost' is not a connection spec (invalid connection spec"
                            + " \"inet:port@localhost\": the port \"port\" is not a number from 0 to 65535; expected"
                            + " inet:PORT, inet:PORT@HOST or inet:PORT@[IPV4-ADDRESS]); skipped",
                    "/usr/local/etc/rc.d/spamass-milter: spamass-milter is installed but no usable socket was found"
                            + " for it; skipped"),
                    result.problems());
        }
    }

    @Test
    void anEmptyTreeIsNoPlatformAndFindsNothing(@org.junit.jupiter.api.io.TempDir Path root) {
        assertEquals(Platform.NONE, Platform.guess(root));
        assertEquals(new DetectionResult(List.of(), List.of()), MilterDetector.detect(root));
    }
}
