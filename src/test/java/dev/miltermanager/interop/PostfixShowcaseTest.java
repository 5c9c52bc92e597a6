package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.examples.greylist.Greylist;
import dev.miltermanager.examples.greylist.GreylistMilter;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.conditions.DnsResponder;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seed's showcase behind a real Postfix: the manager with the greylisting example (applied when S25R and DNSBL
 * Listed allow it) and an ordinary child, Postfix's smtpd in front, a sink behind. The SMTP client takes on the
 * identity of remote hosts with XCLIENT, so Postfix itself tells the manager the client's name and address (after
 * announcing the real loopback client at connect).
 */
class PostfixShowcaseTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final String MESSAGE = "Subject: showcase\n\nhello\n";

    @Test
    void onlyTheDynamicListedClientIsGreylistedAndItsRetryIsDelivered() throws Exception {
        try (DnsResponder dns = DnsResponder.start()) {
            dns.add("77.2.0.192.bl.test", 300, "127.0.0.2");
            dns.add("10.2.0.192.bl.test", 300, "127.0.0.2");
            ConditionCatalog catalog = ConditionCatalog.load(List.of(
                    ConditionParameter.of("dnsbl.clear_services", "true"),
                    ConditionParameter.of("dnsbl.add_service", "bl.test 127.0.0.2"),
                    ConditionParameter.of("dnsbl.name_servers", dns.spec())));
            Greylist greylist = Greylist.create(new Greylist.Settings(DELAY, Duration.ofHours(1), Duration.ofDays(1)));
            try (MilterServer greylisting = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"),
                    greylist, true, Clock.systemUTC()).start();
                 FakeMilter scanner = FakeMilter.builder().actions(Action.ADD_HEADERS)
                         .edits(new Response.AddHeader("X-Scanned", "yes")).start();
                 MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                         .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                         .addChild(ChildConfig.builder("greylist", greylisting.boundSpec())
                                 .addCondition("S25R", catalog.get("S25R"))
                                 .addCondition("DNSBL Listed", catalog.get("DNSBL Listed")).build())
                         .addChild(ChildConfig.of("scanner", scanner.connectionSpec()))
                         .build()).start();
                 SmtpSink sink = SmtpSink.start();
                 PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                         .milters("inet:127.0.0.1:" + ((ConnectionSpec.Inet) manager.localSpec()).port())
                         .set("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                         .set("mynetworks", "127.0.0.0/8, 192.0.2.0/24")  // the XCLIENT identities may relay
                         .set("milter_default_action", "tempfail")
                         .start()) {
                assertDelivered(postfix, sink, "mail.example.org", "192.0.2.10");
                assertDelivered(postfix, sink, "dhcp-192-0-2-20.example.net", "192.0.2.20");
                assertEquals(0, greylist.size(), "neither was greylisted");
                // Postfix announces the real client ([127.0.0.1], suspicious to S25R, so looked up) at connect, and the
                // XCLIENT identity afterwards: the well-named one is never looked up, the dynamic one is
                assertFalse(dns.questions().contains("10.2.0.192.bl.test"), dns.questions()::toString);
                assertTrue(dns.questions().contains("20.2.0.192.bl.test"), dns.questions()::toString);

                SmtpClient.Transaction first = send(postfix, "ppp-192-0-2-77.example.net", "192.0.2.77");
                assertEquals(451, first.rcpts().getFirst().code(), () -> first + "\n" + postfix.log());
                assertTrue(first.rcpts().getFirst().text().contains("4.7.1 Greylisted"), first::toString);
                Thread.sleep(DELAY.plusMillis(100));
                SmtpClient.Transaction retry = send(postfix, "ppp-192-0-2-77.example.net", "192.0.2.77");
                assertTrue(retry.accepted(), () -> retry + "\n" + postfix.log());
                String delivered = new String(sink.await(WAIT).data(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(delivered.contains("X-Greylist: Delayed for 00:00:01 by milter-manager greylist example"),
                        delivered);
                assertTrue(delivered.contains("X-Scanned: yes"), delivered);
            }
        }
    }

    private static void assertDelivered(PostfixInstance postfix, SmtpSink sink, String name, String address) {
        SmtpClient.Transaction sent = send(postfix, name, address);
        assertTrue(sent.accepted(), () -> sent + "\n" + postfix.log());
        String delivered = new String(sink.await(WAIT).data(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(delivered.contains("X-Scanned: yes") && !delivered.contains("X-Greylist"), delivered);
    }

    /** One message from a client that XCLIENT makes look like {@code name [address]} to Postfix. */
    private static SmtpClient.Transaction send(PostfixInstance postfix, String name, String address) {
        try (SmtpClient client = SmtpClient.connect(postfix.smtpPort())) {
            client.ehlo("client.interop.test");
            SmtpClient.Reply xclient = client.command("XCLIENT NAME=" + name + " ADDR=" + address);
            assertEquals(220, xclient.code(), client::transcript);
            client.ehlo(name);
            SmtpClient.Transaction transaction = client.send("alice@example.org", List.of("bob@example.net"), MESSAGE);
            client.quit();
            return transaction;
        }
    }
}
