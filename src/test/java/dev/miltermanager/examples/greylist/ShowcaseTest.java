package dev.miltermanager.examples.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.config.Configuration;
import dev.miltermanager.config.ConfigurationLoader;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.policy.conditions.DnsResponder;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSimulator;
import dev.miltermanager.testing.TestMessage;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worked example of {@code docs/showcase.md}, end to end over real sockets: the manager reads a
 * {@code milter-manager.conf} in the daemon's format whose greylisting child applies only when S25R finds the
 * client's host name dynamic-looking <em>and</em> a DNSBL (a DNS responder on loopback, named by
 * {@code dnsbl.name_servers}) lists its address; an ordinary child stamps every message. The test kit's
 * {@link MtaSimulator} plays Postfix on the manager's socket, one client identity per case.
 */
class ShowcaseTest {
    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String SCANNED = "by the ordinary child";

    /** The configuration of docs/showcase.md, with the test's sockets and block list. */
    private static final String CONFIGURATION = """
            manager.connection_spec = inet:0@[127.0.0.1]

            milter.greylist.connection_spec = %s
            milter.greylist.applicable_conditions = S25R, DNSBL Listed

            milter.scanner.connection_spec = %s

            dnsbl.clear_services = true
            dnsbl.add_service = bl.test 127.0.0.2
            dnsbl.name_servers = %s
            dnsbl.timeout = 0.5
            """;

    /** One message from alice to bob, as every case sends it. */
    private static final TestMessage LUNCH = TestMessage.builder()
            .from("<alice@example.org>").to("<bob@example.net>")
            .header("From", "<alice@example.org>").header("Subject", "lunch")
            .body("Noon?\r\n").build();

    @TempDir
    Path dir;

    private DnsResponder dns;
    private Greylist greylist;
    private MilterServer greylistServer;
    private FakeMilter scanner;
    private MilterManager manager;
    private Configuration configuration;

    @BeforeEach
    void start() throws Exception {
        dns = DnsResponder.start();
        dns.add("10.2.0.192.bl.test", 300, "127.0.0.2");  // mail.example.org: listed, but S25R lets it through
        dns.add("77.2.0.192.bl.test", 300, "127.0.0.2");  // ppp-192-0-2-77.example.net: listed
        greylist = Greylist.create(new Greylist.Settings(DELAY, Duration.ofHours(1), Duration.ofDays(1)));
        greylistServer = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"), greylist, true,
                Clock.systemUTC()).start();
        scanner = FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Scanned", SCANNED)).start();

        Path file = dir.resolve(ConfigurationLoader.CONFIG_FILE_NAME);
        Files.writeString(file, CONFIGURATION.formatted(greylistServer.boundSpec(), scanner.connectionSpec(),
                dns.spec()));
        configuration = ConfigurationLoader.ofFile(file).load();
        manager = MilterManager.create(configuration.manager()).start();
    }

    @AfterEach
    void stop() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (manager.activeSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);  // let the last session finish its QUIT before closing
        }
        manager.close();
        greylistServer.close();
        scanner.close();
        dns.close();
    }

    /** Postfix on the manager's socket, for an SMTP client with this host name and address (its HELO: the name). */
    private MilterResult deliverFrom(String host, String address) {
        MtaSimulator postfix = MtaSimulator.builder().profile(MtaProfile.POSTFIX)
                .connectHost(host).connectAddress(address).helo(host).mtaHostName("mx.example.net").build();
        return postfix.run(manager.localSpec(), LUNCH);
    }

    private Map<String, Long> greylistStops() {
        return manager.statistics().children().get("greylist").stops();
    }

    /** The ordinary child's session of the {@code n}-th connection (from 0), once it ended. */
    private FakeSession scannerSession(int n) {
        FakeSession session = scanner.awaitConnections(n + 1, WAIT).get(n);
        session.awaitEnd(WAIT);
        return session;
    }

    @Test
    void theConfigurationFileIsWhatTheManagerRuns() {
        assertTrue(configuration.show().contains("dnsbl.name_servers = " + dns.spec()), configuration.show());
        assertTrue(configuration.origin("milter.greylist.applicable_conditions")
                .startsWith(dir.resolve(ConfigurationLoader.CONFIG_FILE_NAME) + ":"));
        assertEquals(List.of("S25R", "DNSBL Listed"), configuration.manager().children().getFirst().conditionNames());
    }

    @Test
    void aWellNamedHostIsNeverGreylistedNorLookedUp() {
        MilterResult result = deliverFrom("mail.example.org", "192.0.2.10");

        result.assertThat().hasStatusAt(Status.CONTINUE, Stage.EOM).hasHeader("X-Scanned", SCANNED)
                .hasNoHeader("X-Greylist");
        assertEquals(0, greylist.size(), "the greylist never saw the triplet");
        assertEquals(List.of(), dns.questions(), "S25R stopped the child before the DNSBL was asked");
        assertEquals(Map.of("S25R", 1L, "DNSBL Listed", 0L), greylistStops());
    }

    @Test
    void aDynamicLookingHostThatNoListNamesIsNotGreylisted() {
        MilterResult result = deliverFrom("dhcp-192-0-2-20.example.net", "192.0.2.20");

        result.assertThat().hasStatusAt(Status.CONTINUE, Stage.EOM).hasHeader("X-Scanned", SCANNED)
                .hasNoHeader("X-Greylist");
        assertEquals(0, greylist.size());
        assertEquals(List.of("20.2.0.192.bl.test"), dns.questions());
        assertEquals(Map.of("S25R", 0L, "DNSBL Listed", 1L), greylistStops());
    }

    @Test
    void aDynamicLookingListedHostIsGreylistedAndPassesOnRetryAfterTheDelay() throws Exception {
        MilterResult first = deliverFrom("ppp-192-0-2-77.example.net", "192.0.2.77");

        first.assertThat().hasStatusAt(Status.TEMPORARY_FAILURE, Stage.RCPT)
                .hasReply("451 4.7.1 Greylisted: please try again in 1 seconds");
        assertEquals(451, first.reply().orElseThrow().code());
        FakeSession firstView = scannerSession(0);
        assertEquals(List.of("<bob@example.net>"), firstView.recipients(), "the ordinary child saw the RCPT");
        assertEquals(List.of(), firstView.commands(Command.EndOfMessage.class), "but no message");

        Thread.sleep(DELAY.plusMillis(100));  // the time since the first attempt, as the header says, is 1 s or more
        MilterResult retry = deliverFrom("ppp-192-0-2-77.example.net", "192.0.2.77");

        retry.assertThat().hasStatusAt(Status.CONTINUE, Stage.EOM)
                .hasHeaderMatching("X-Greylist", "Delayed for 00:00:0[1-9] by milter-manager greylist example"
                        + " \\(mx\\.example\\.net \\[192\\.0\\.2\\.77]\\); .+ \\+0000")
                .hasHeader("X-Scanned", SCANNED);
        assertTrue(scannerSession(1).messages().getLast().header("X-Greylist").orElseThrow()
                .startsWith("Delayed for 00:00:0"), "the ordinary child, after the greylist, sees its header");
        assertEquals(1, dns.asked("77.2.0.192.bl.test"), "the second connection's lookup came from the cache");
        assertEquals(Map.of("S25R", 0L, "DNSBL Listed", 0L), greylistStops());
    }

    @Test
    void whenTheBlockListDoesNotAnswerMailIsNotGreylisted() {
        dns.silent(true);
        MilterResult result = deliverFrom("ppp-192-0-2-77.example.net", "192.0.2.77");

        result.assertThat().hasStatusAt(Status.CONTINUE, Stage.EOM).hasHeader("X-Scanned", SCANNED)
                .hasNoHeader("X-Greylist");
        assertEquals(0, greylist.size());
        assertEquals(List.of("77.2.0.192.bl.test"), dns.questions().stream().distinct().toList());
        assertEquals(Map.of("S25R", 0L, "DNSBL Listed", 1L), greylistStops());
    }
}
