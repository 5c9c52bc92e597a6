package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import dev.miltermanager.protocol.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No Stress / Stress Notify: sessions against a threshold, explicit or 3/4 of Postfix's smtp process limit. */
class StressTest {
    @TempDir
    Path dir;

    private static final Command.Connect CONNECT = Probe.inet("mail.example.com", "192.0.2.1");

    private static Probe sessions(int n) {
        Probe probe = new Probe();
        probe.activeSessions = n;
        return probe;
    }

    private static ConditionCatalog catalog(String... keysAndValues) {
        List<ConditionParameter> lines = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            lines.add(new ConditionParameter(keysAndValues[i], keysAndValues[i + 1], "mm.conf:" + (i / 2 + 1)));
        }
        return ConditionCatalog.load(lines);
    }

    /** The threshold the conditions use: the smallest session count at which No Stress stops, 0 for never. */
    private static int threshold(ConditionCatalog catalog) {
        ApplicabilityPolicy noStress = catalog.get("No Stress");
        for (int n = 1; n <= 1000; n++) {
            if (!sessions(n).ask(noStress, CONNECT)) {
                return n;
            }
        }
        return 0;
    }

    @Test
    void underStressNoStressStopsAtConnectAndStressNotifySetsTheMacro() {
        ApplicabilityPolicy noStress = Conditions.noStress(3);
        ApplicabilityPolicy notify = Conditions.stressNotify(3);
        assertTrue(sessions(2).ask(noStress, CONNECT));
        assertFalse(sessions(3).ask(noStress, CONNECT));
        assertFalse(sessions(4).ask(noStress, CONNECT));
        Probe calm = sessions(2);
        assertTrue(calm.ask(notify, CONNECT));
        assertEquals(Map.of(), calm.set);
        Probe stressed = sessions(3);
        assertTrue(stressed.ask(notify, CONNECT));
        assertEquals(Map.of("{stress}", "yes"), stressed.set);
    }

    @Test
    void theyActAtConnectOnly() {
        Probe probe = sessions(50);
        ApplicabilityPolicy noStress = Conditions.noStress(3);
        ApplicabilityPolicy notify = Conditions.stressNotify(3);
        assertTrue(probe.ask(noStress, new Command.Helo("x")));
        assertTrue(probe.ask(noStress, Probe.mail("<a@example.org>")));
        assertTrue(probe.ask(notify, Probe.mail("<a@example.org>")));
        assertEquals(Map.of(), probe.set);
    }

    @Test
    void zeroNeverStresses() {
        assertTrue(sessions(10_000).ask(Conditions.noStress(0), CONNECT));
    }

    @Test
    void theAutomaticThresholdIsThreeQuartersOfTheSmtpServiceMaxproc() throws IOException {
        Path master = dir.resolve("master.cf");
        Files.writeString(master, """
                # service type  private unpriv  chroot  wakeup  maxproc command + args
                #smtp      inet  n       -       y       -       1       postscreen
                submission inet n       -       y       -       10      smtpd
                smtp      unix  -       -       y       -       7       smtp
                smtp      inet  n       -       y       -       40      smtpd
                  -o smtpd_milters=inet:127.0.0.1:10025
                """);
        assertEquals(30, threshold(catalog("stress.postfix_master_cf", master.toString())));
    }

    @Test
    void aDashTakesDefaultProcessLimitFromMainCfOrPostfixsDefault() throws IOException {
        Path master = dir.resolve("master.cf");
        Files.writeString(master, "smtp      inet  n       -       y       -       -       smtpd\n");
        assertEquals(75, threshold(catalog("stress.postfix_master_cf", master.toString())));
        Files.writeString(dir.resolve("main.cf"), "# limits\ndefault_process_limit = 20\nmyhostname = mx\n");
        assertEquals(15, threshold(catalog("stress.postfix_master_cf", master.toString())));
    }

    @Test
    void anExplicitThresholdWinsAndNeedsNoFile() {
        assertEquals(7, threshold(catalog("stress.threshold_n_connections", "7",
                "stress.postfix_master_cf", dir.resolve("absent").toString())));
    }

    @Test
    void withoutAnSmtpInetServiceOrAnUnlimitedOneThereIsNoStress() throws IOException {
        Path master = dir.resolve("master.cf");
        Files.writeString(master, "pickup    unix  n       -       y       60      1       pickup\n");
        assertEquals(0, threshold(catalog("stress.postfix_master_cf", master.toString())));
        Files.writeString(master, "smtp      inet  n       -       y       -       0       smtpd\n");
        assertEquals(0, threshold(catalog("stress.postfix_master_cf", master.toString())));
    }

    @Test
    void badParametersNameTheirOrigin() {
        var number = assertThrows(InvalidConditionParameterException.class,
                () -> catalog("stress.threshold_n_connections", "-1"));
        assertEquals("mm.conf:1: stress.threshold_n_connections = -1: expected a number of sessions, 0 (never under "
                + "stress) or more", number.getMessage());
        var file = assertThrows(InvalidConditionParameterException.class,
                () -> catalog("stress.postfix_master_cf", dir.resolve("absent").toString()));
        assertTrue(file.getMessage().startsWith("mm.conf:1: stress.postfix_master_cf = " + dir.resolve("absent")
                + ": expected a readable Postfix master.cf"), file.getMessage());
    }
}
