package dev.miltermanager.examples.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.conditions.DnsResponder;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's showcase end to end, over real sockets: a manager whose greylisting child applies only when S25R finds
 * the client's host name dynamic-looking <em>and</em> a DNSBL (a DNS responder on loopback) lists its address, next
 * to an ordinary child that stamps every message. The conditions are created by name from the configuration's
 * parameters, as {@code docs/showcase.md} writes them.
 */
class ShowcaseTest {
    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Well named, and listed: S25R alone keeps it from greylisting (and from a DNSBL lookup). */
    private static final Command.Connect WELL_NAMED = connect("mail.example.org", "192.0.2.10");
    /** Dynamic-looking but not listed. */
    private static final Command.Connect DYNAMIC_UNLISTED = connect("dhcp-192-0-2-20.example.net", "192.0.2.20");
    /** Dynamic-looking and listed: greylisted. */
    private static final Command.Connect DYNAMIC_LISTED = connect("ppp-192-0-2-77.example.net", "192.0.2.77");

    private DnsResponder dns;
    private Greylist greylist;
    private MilterServer greylistServer;
    private FakeMilter scanner;
    private MilterManager manager;

    private static Command.Connect connect(String host, String address) {
        return new Command.Connect(host, Command.Family.INET, 41000, address);
    }

    @BeforeEach
    void start() throws Exception {
        dns = DnsResponder.start();
        dns.add("10.2.0.192.bl.test", 300, "127.0.0.2");
        dns.add("77.2.0.192.bl.test", 300, "127.0.0.2");
        // milter-manager.conf:
        //   dnsbl.clear_services = true
        //   dnsbl.add_service = bl.test 127.0.0.2
        //   dnsbl.name_servers = 127.0.0.1:PORT
        //   dnsbl.timeout = 0.5
        //   milter.greylist.applicable_conditions = S25R, DNSBL Listed
        ConditionCatalog catalog = ConditionCatalog.load(List.of(
                new ConditionParameter("dnsbl.clear_services", "true", "milter-manager.conf:1"),
                new ConditionParameter("dnsbl.add_service", "bl.test 127.0.0.2", "milter-manager.conf:2"),
                new ConditionParameter("dnsbl.name_servers", dns.spec(), "milter-manager.conf:3"),
                new ConditionParameter("dnsbl.timeout", "0.5", "milter-manager.conf:4")));
        greylist = Greylist.create(new Greylist.Settings(DELAY, Duration.ofHours(1), Duration.ofDays(1)));
        greylistServer = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"), greylist, true,
                Clock.systemUTC()).start();
        scanner = FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Scanned", "by the ordinary child")).start();
        ChildConfig.Builder greylisting = ChildConfig.builder("greylist", greylistServer.boundSpec());
        for (String name : List.of("S25R", "DNSBL Listed")) {
            greylisting.addCondition(name, catalog.get(name));
        }
        manager = MilterManager.create(MilterManagerConfig.builder()
                .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                .addChild(greylisting.build())
                .addChild(ChildConfig.of("scanner", scanner.connectionSpec()))
                .build()).start();
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

    /** What the MTA got for one SMTP transaction: the RCPT verdict and, if accepted, the end of message. */
    private record Delivery(Response.Decision recipient, Optional<EndOfMessageResult> end) {
        List<String> addedHeaders() {
            return end.orElseThrow().modifications().stream().map(m -> switch (m) {
                case Response.AddHeader a -> a.name() + ": " + a.value();
                case Response.InsertHeader i -> i.name() + ": " + i.value();
                default -> m.toString();
            }).toList();
        }
    }

    /** Plays the MTA for one connection with one message from alice to bob, through the manager's socket. */
    private Delivery deliver(Command.Connect client) {
        try (MilterClient mta = MilterClient.connect(manager.localSpec(), ClientOptions.DEFAULTS.withName("mta"))) {
            mta.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
            assertEquals(new Response.Continue(), mta.send(client, Map.of("j", "mx.example.net")));
            assertEquals(new Response.Continue(), mta.send(new Command.Helo(client.hostname())));
            assertEquals(new Response.Continue(), mta.send(new Command.MailFrom("<alice@example.org>")));
            Response.Decision verdict = mta.send(new Command.Recipient("<bob@example.net>"));
            Optional<EndOfMessageResult> end = Optional.empty();
            if (verdict instanceof Response.Continue) {
                assertEquals(new Response.Continue(), mta.send(new Command.Data()));
                assertEquals(new Response.Continue(), mta.send(new Command.Header("Subject", "lunch")));
                assertEquals(new Response.Continue(), mta.send(new Command.EndOfHeaders()));
                end = Optional.of(mta.endOfMessage());
            }
            mta.abort();
            mta.quit();
            return new Delivery(verdict, end);
        }
    }

    /** The ordinary child's session of the {@code n}-th connection (from 0), once it ended. */
    private FakeSession scannerSession(int n) {
        FakeSession session = scanner.awaitConnections(n + 1, WAIT).get(n);
        session.awaitEnd(WAIT);
        return session;
    }

    @Test
    void aWellNamedHostIsNeverGreylistedNorLookedUp() {
        Delivery delivery = deliver(WELL_NAMED);
        assertEquals(new Response.Continue(), delivery.recipient());
        assertEquals(List.of("X-Scanned: by the ordinary child"), delivery.addedHeaders());
        assertEquals(0, greylist.size(), "the greylist never saw the triplet");
        assertEquals(List.of(), dns.questions(), "S25R stopped the child before the DNSBL was asked");
        assertEquals(Map.of("S25R", 1L, "DNSBL Listed", 0L), manager.statistics().children().get("greylist").stops());
        assertEquals(List.of("Subject"), scannerSession(0).messages().getLast().headers().stream()
                .map(Command.Header::name).toList());
    }

    @Test
    void aDynamicLookingHostThatNoListNamesIsNotGreylisted() {
        Delivery delivery = deliver(DYNAMIC_UNLISTED);
        assertEquals(new Response.Continue(), delivery.recipient());
        assertEquals(List.of("X-Scanned: by the ordinary child"), delivery.addedHeaders());
        assertEquals(0, greylist.size());
        assertEquals(List.of("20.2.0.192.bl.test"), dns.questions());
        assertEquals(Map.of("S25R", 0L, "DNSBL Listed", 1L), manager.statistics().children().get("greylist").stops());
    }

    @Test
    void aDynamicLookingListedHostIsGreylistedAndPassesOnRetryAfterTheDelay() throws Exception {
        Delivery first = deliver(DYNAMIC_LISTED);
        assertEquals(new Response.ReplyCode(SmtpReply.of(451, "4.7.1", "Greylisted: please try again in 1 seconds")),
                first.recipient());
        assertTrue(first.end().isEmpty());
        FakeSession firstView = scannerSession(0);
        assertEquals(List.of("<bob@example.net>"), firstView.recipients(), "the ordinary child saw the RCPT");
        assertEquals(List.of(), firstView.commands(Command.EndOfMessage.class), "but no message");

        Thread.sleep(DELAY.plusMillis(100));
        Delivery retry = deliver(DYNAMIC_LISTED);
        assertEquals(new Response.Continue(), retry.recipient());
        List<String> added = retry.addedHeaders();
        assertEquals(2, added.size(), added::toString);
        assertTrue(added.get(0).matches("X-Greylist: Delayed for 00:00:01 by milter-manager greylist example"
                + " \\(mx\\.example\\.net \\[192\\.0\\.2\\.77]\\); .+ \\+0000"), added::toString);
        assertEquals("X-Scanned: by the ordinary child", added.get(1));
        FakeSession.Message seen = scannerSession(1).messages().getLast();
        assertTrue(seen.header("X-Greylist").orElseThrow().startsWith("Delayed for 00:00:01"),
                "the ordinary child, after the greylist in the chain, sees its header: " + seen);
        assertEquals(1, dns.asked("77.2.0.192.bl.test"), "the second connection's lookup came from the cache");
        assertEquals(Map.of("S25R", 0L, "DNSBL Listed", 0L), manager.statistics().children().get("greylist").stops());
    }

    @Test
    void whenTheBlockListDoesNotAnswerMailIsNotGreylisted() {
        dns.silent(true);
        Delivery delivery = deliver(DYNAMIC_LISTED);
        assertEquals(new Response.Continue(), delivery.recipient());
        assertEquals(List.of("X-Scanned: by the ordinary child"), delivery.addedHeaders());
        assertEquals(0, greylist.size());
        assertEquals(List.of("77.2.0.192.bl.test"), dns.questions().stream().distinct().toList());
    }
}
