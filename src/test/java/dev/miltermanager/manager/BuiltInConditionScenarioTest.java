package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.conditions.Conditions;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The built-in conditions through the real manager, with fake children over loopback: each at a stage it acts on,
 * named as a configuration names them (the catalog), counted in the child's statistics.
 */
class BuiltInConditionScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private static final ConditionCatalog CATALOG = ConditionCatalog.load(List.of(
            new ConditionParameter("s25r.add_whitelist", "/\\.example\\.com\\z/", "test.conf:1"),
            new ConditionParameter("restrict_accounts.add_account", "alice@example.net", "test.conf:2"),
            new ConditionParameter("stress.threshold_n_connections", "2", "test.conf:3")));

    private Mta session(MilterManager manager) {
        Mta mta = fx.inProcess(manager);
        mta.negotiate();
        return mta;
    }

    private static Response connect(Mta mta, String host, String address) {
        return mta.send(new Command.Connect(host, address.contains(":") ? Command.Family.INET6 : Command.Family.INET,
                40000, address)).getFirst();
    }

    /** The commands the child got in its next connection. */
    private static List<String> nextConnection(FakeMilter fake) throws InterruptedException {
        return trace(ended(fake.takeSession(FanOutFixture.WAIT)));
    }

    @Test
    void s25rAppliesTheChildToDynamicLookingClientsOnly() throws Exception {
        FakeMilter greylist = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("greylist", greylist).addCondition("S25R", CATALOG.get("S25R"))
                .build());
        // the only child stopped, nothing is left to ask: the MTA gets accept
        for (String[] client : new String[][] {{"mail.example.org", "192.0.2.1", "accept"},
            {"dhcp-123.example.org", "192.0.2.2", "continue"}, {"[192.0.2.3]", "192.0.2.3", "continue"},
            {"p1234-ipbf01funabasi.example.com", "192.0.2.4", "accept"}, {"unknown", "192.0.2.5", "continue"}}) {
            Mta mta = session(manager);
            Response expected = client[2].equals("accept") ? new Response.Accept() : new Response.Continue();
            assertEquals(expected, connect(mta, client[0], client[1]), client[0]);
            mta.quit();
        }
        assertEquals(List.of("quit"), nextConnection(greylist), "a well-named host");
        assertEquals(List.of("connect", "quit"), nextConnection(greylist), "dhcp-123");
        assertEquals(List.of("connect", "quit"), nextConnection(greylist), "no PTR: [ADDR]");
        assertEquals(List.of("quit"), nextConnection(greylist), "white-listed by s25r.add_whitelist");
        assertEquals(List.of("connect", "quit"), nextConnection(greylist), "unknown");
        assertEquals(Map.of("S25R", 2L), manager.statistics().children().get("greylist").stops());
    }

    @Test
    void remoteNetworkLeavesLocalClientsAlone() throws Exception {
        FakeMilter spam = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("spam", spam)
                .addCondition("Remote Network", CATALOG.get("Remote Network")).build());
        for (String address : List.of("127.0.0.1", "192.0.2.1", "fd00::25", "2001:db8::25")) {
            Mta mta = session(manager);
            connect(mta, "host.example.org", address);
            mta.quit();
        }
        assertEquals(List.of("quit"), nextConnection(spam));
        assertEquals(List.of("connect", "quit"), nextConnection(spam));
        assertEquals(List.of("quit"), nextConnection(spam));
        assertEquals(List.of("connect", "quit"), nextConnection(spam));
    }

    @Test
    void authenticatedAndUnauthenticatedSplitMessagesAtMail() throws Exception {
        FakeMilter submission = fx.fake(s -> s);
        FakeMilter inbound = fx.fake(s -> s);
        Mta mta = session(fx.manager(child("submission", submission).addCondition("Authenticated",
                CATALOG.get("Authenticated")).build(), child("inbound", inbound).addCondition("Unauthenticated",
                CATALOG.get("Unauthenticated")).build()));
        mta.connect();
        mta.helo();
        mta.mail("<stranger@example.org>");
        mta.abort();
        mta.macros('M', Map.of("{auth_type}", "PLAIN", "{auth_authen}", "alice"));
        mta.mail("<alice@example.net>");
        mta.quit();

        assertEquals(List.of("connect", "helo", "mail <alice@example.net>", "quit"), nextConnection(submission));
        assertEquals(List.of("connect", "helo", "mail <stranger@example.org>", "abort", "quit"),
                nextConnection(inbound));
    }

    @Test
    void trustTellsTheChildTheSenderDomainIsTrusted() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        Mta mta = session(fx.manager(child("a", a).addCondition("Trust", CATALOG.get("Trust")).build()));
        mta.connect();
        mta.helo();
        mta.mail("<alice@gmail.com>");
        mta.abort();
        mta.mail("<mallory@example.org>");
        mta.quit();

        List<FakeSession.Received> mails = ended(a.takeSession(FanOutFixture.WAIT)).received(Stage.MAIL);
        assertEquals("yes", mails.get(0).macros().get("{trusted_domain}"));
        assertFalse(mails.get(1).macros().containsKey("{trusted_domain}"));
    }

    @Test
    void underStressNoStressDropsTheChildAndStressNotifyTellsIt() throws Exception {
        FakeMilter costly = fx.fake(s -> s);
        FakeMilter told = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("costly", costly).addCondition("No Stress",
                CATALOG.get("No Stress")).build(), child("told", told).addCondition("Stress Notify",
                CATALOG.get("Stress Notify")).build());
        Mta first = session(manager);
        connect(first, "a.example.org", "192.0.2.1");
        Mta second = session(manager);
        connect(second, "b.example.org", "192.0.2.2");
        second.quit();
        first.quit();

        assertEquals(List.of("connect", "quit"), nextConnection(costly), "one session: no stress");
        assertEquals(List.of("quit"), nextConnection(costly), "two sessions: stressed");
        FakeSession calm = ended(told.takeSession(FanOutFixture.WAIT));
        FakeSession stressed = ended(told.takeSession(FanOutFixture.WAIT));
        assertFalse(calm.received(Stage.CONNECT).getFirst().macros().containsKey("{stress}"));
        assertEquals("yes", stressed.received(Stage.CONNECT).getFirst().macros().get("{stress}"));
        assertEquals(1, manager.statistics().children().get("costly").stops("No Stress"));
    }

    @Test
    void restrictAccountsHidesOtherRecipientsAndLeavesMixedMessagesAtData() throws Exception {
        FakeMilter alices = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = session(fx.manager(child("alices", alices).addCondition("Restrict Accounts",
                CATALOG.get("Restrict Accounts")).build()));
        mta.connect();
        mta.helo();
        assertEquals(new Response.Continue(), mta.message("<x@example.org>", "<alice@example.net>", "one\r\n"));
        mta.abort();
        mta.mail("<x@example.org>");
        mta.rcpt("<alice@example.net>");
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));
        assertEquals(new Response.Accept(), mta.data(), "the only child left the message");
        mta.quit();

        FakeSession seen = ended(alices.takeSession(FanOutFixture.WAIT));
        assertTrue(seen.message(0).endOfMessage());
        assertEquals(List.of("connect", "helo", "mail <x@example.org>", "rcpt <alice@example.net>", "data",
                "header Subject", "eoh", "body", "eom", "abort", "mail <x@example.org>", "rcpt <alice@example.net>",
                "abort", "quit"), trace(seen));
    }

    @Test
    void sendmailCompatibleGivesAPostfixSessionSendmailsMacros() throws Exception {
        FakeMilter sendmailMinded = fx.fake(s -> s);
        Mta mta = session(fx.manager(child("old", sendmailMinded).addCondition("Sendmail Compatible",
                Conditions.sendmailCompatible()).build()));
        mta.macros('C', Map.of("v", "Postfix 3.7.11", "j", "mx.example.net", "{daemon_addr}", "127.0.0.1",
                "{daemon_port}", "25"));
        mta.connect();
        mta.helo();
        mta.macros('M', Map.of("{mail_addr}", "alice@example.org"));
        mta.mail("<alice@example.org>");
        mta.quit();

        FakeSession seen = ended(sendmailMinded.takeSession(FanOutFixture.WAIT));
        Map<String, String> atConnect = seen.received(Stage.CONNECT).getFirst().macros();
        assertEquals("127.0.0.1", atConnect.get("{if_addr}"));
        assertFalse(atConnect.getOrDefault("{if_name}", "").isEmpty(), atConnect.toString());
        assertEquals("25", atConnect.get("{daemon_port}"));
        assertEquals("dummy-id", seen.received(Stage.MAIL).getFirst().macros().get("i"));
    }
}
