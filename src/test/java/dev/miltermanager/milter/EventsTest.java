package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventsTest {

    @Test
    void everyEventReachesItsCallbackWithItsArgumentsAndTheMacrosSoFar() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connectPostfixLike();
            Command.Connect client = new Command.Connect("mx.example.org", Command.Family.INET6, 2525, "2001:db8::1");
            mta.send(new Command.Macros('C', Map.of("j", "mail.example.net", "{daemon_name}", "smtpd")));
            mta.ask(client);
            assertEquals(new ScriptedMilter.Event("connect", List.of(client),
                    Map.of("j", "mail.example.net", "{daemon_name}", "smtpd"), 1), f.script.next());

            mta.send(new Command.Macros('H', Map.of("{tls_version}", "TLSv1.3")));
            mta.ask(new Command.Helo("mx.example.org"));
            ScriptedMilter.Event helo = f.script.next();
            assertEquals(List.of("mx.example.org"), helo.args());
            assertEquals("TLSv1.3", helo.macros().get("{tls_version}"));
            assertEquals("mail.example.net", helo.macros().get("j"));

            mta.ask(new Command.Unknown("XFOO bar"));
            assertEquals(List.of("XFOO bar"), f.script.next().args());

            mta.send(new Command.Macros('M', Map.of("{mail_addr}", "a@example.org")));
            mta.ask(new Command.MailFrom("<a@example.org>", List.of("SIZE=100", "BODY=8BITMIME")));
            assertEquals(List.of("<a@example.org>", List.of("SIZE=100", "BODY=8BITMIME")), f.script.next().args());

            mta.send(new Command.Macros('R', Map.of("{rcpt_addr}", "b@example.org", "i", "4ABC")));
            mta.ask(new Command.Recipient("<b@example.org>", List.of("NOTIFY=NEVER")));
            ScriptedMilter.Event rcpt = f.script.next();
            assertEquals(List.of("<b@example.org>", List.of("NOTIFY=NEVER")), rcpt.args());
            assertEquals("4ABC", rcpt.macros().get("i"));

            mta.send(new Command.Macros('T', Map.of("i", "4ABC")));
            mta.ask(new Command.Data());
            assertEquals("data", f.script.next().name());

            mta.ask(new Command.Header("Subject", " hello\n\tworld"));
            assertEquals(List.of("Subject", " hello\n\tworld"), f.script.next().args());

            mta.send(new Command.Macros('N', Map.of("{eoh}", "1")));
            mta.ask(new Command.EndOfHeaders());
            assertEquals("1", f.script.next().macros().get("{eoh}"));

            mta.ask(Command.Body.of("line one\r\nline two\r\n".getBytes()));
            assertEquals(List.of("line one\r\nline two\r\n"), f.script.next().args());

            mta.send(new Command.Macros('E', Map.of("{msg_id}", "<1@x>")));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.EndOfMessage()));
            ScriptedMilter.Event eom = f.script.next();
            assertEquals("eom", eom.name());
            assertEquals("<1@x>", eom.macros().get("{msg_id}"));
            assertEquals("a@example.org", eom.macros().get("{mail_addr}"));
        }
    }

    @Test
    void contextLooksUpMacrosLikeSmfiGetsymval() {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        MilterFactory factory = context -> new Milter() {
            @Override
            public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
                seen.add(context.macro("i"));            // the latest stage wins
                seen.add(context.macro("{i}"));          // a one-letter name matches with braces too
                seen.add(context.macro("{daemon_name}"));
                seen.add(context.macro("daemon_name"));  // longer names match only as written
                seen.add(context.macros(MacroStage.ENVRCPT));
                seen.add(context.client().map(Command.Connect::address));
                seen.add(context.options().version());
                return Verdict.CONTINUE;
            }
        };
        try (MilterServer server = MilterServer.create(ServerFixture.LOOPBACK, MilterSpec.defaults(), factory)
                .start(); MtaDriver mta = MtaDriver.connect(server.boundSpec().toSocketAddress())) {
            mta.negotiate(6, 0x1FF, ServerFixture.POSTFIX_PROTOCOL);
            mta.send(new Command.Macros('C', Map.of("{daemon_name}", "smtpd", "i", "early")));
            mta.ask(new Command.Connect("h", Command.Family.INET, 1, "192.0.2.7"));
            mta.ask(new Command.MailFrom("<a@b>"));
            mta.send(new Command.Macros('R', Map.of("i", "Q1")));
            mta.ask(new Command.Recipient("<c@d>"));
            assertEquals(Optional.of("Q1"), poll(seen));
            assertEquals(Optional.of("Q1"), poll(seen));
            assertEquals(Optional.of("smtpd"), poll(seen));
            assertEquals(Optional.empty(), poll(seen));
            assertEquals(Map.of("i", "Q1"), poll(seen));
            assertEquals(Optional.of("192.0.2.7"), poll(seen));
            assertEquals(6, poll(seen));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aSecondMessageOnOneConnectionStartsWithoutTheFirstMessagesMacros() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connectAndHelo();
            f.script.names(2);
            sendMessage(mta, "Q1");
            mta.send(new Command.Abort()); // as Postfix does after every message
            mta.send(new Command.Macros('M', Map.of("{mail_addr}", "second@example.org")));
            mta.ask(new Command.MailFrom("<second@example.org>"));
            assertEquals(List.of("mail", "rcpt", "eom"), f.script.names(3));
            ScriptedMilter.Event mail = f.script.next();
            assertEquals("mail", mail.name(), "no abort callback for the ABORT after end of message");
            assertEquals(Map.of("{mail_addr}", "second@example.org"), mail.macros());
            assertEquals(1, mail.instance(), "same milter instance for the whole connection");
        }
    }

    @Test
    void theFactoryRunsOncePerConnection() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver a = f.connectAndHelo();
            MtaDriver b = f.connectAndHelo();
            sendMessage(a, "A");
            sendMessage(b, "B");
            assertEquals(2, f.script.instances.get());
            a.send(new Command.Quit());
            b.send(new Command.Quit());
            long closes = java.util.stream.IntStream.range(0, 12).mapToObj(i -> f.script.next())
                    .filter(e -> e.name().equals("close")).count();
            assertEquals(2, closes);
        }
    }

    static void sendMessage(MtaDriver mta, String queueId) {
        mta.send(new Command.Macros('M', Map.of("{mail_addr}", "a@example.org")));
        mta.ask(new Command.MailFrom("<a@example.org>"));
        mta.send(new Command.Macros('R', Map.of("i", queueId)));
        mta.ask(new Command.Recipient("<b@example.org>"));
        mta.send(new Command.Macros('E', Map.of("{msg_id}", "<" + queueId + "@x>")));
        assertTrue(ServerFixture.isContinue(mta.ask(new Command.EndOfMessage())));
    }

    private static Object poll(BlockingQueue<Object> queue) {
        try {
            Object o = queue.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("nothing recorded");
            }
            return o;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
