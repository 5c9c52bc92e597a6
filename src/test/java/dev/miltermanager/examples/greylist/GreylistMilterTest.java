package dev.miltermanager.examples.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.testsupport.ManualClock;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The greylisting example milter over loopback, with a {@link MilterClient} as the MTA. */
class GreylistMilterTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    private static final Response.Decision GREYLISTED = new Response.ReplyCode(
            SmtpReply.of(451, "4.7.1", "Greylisted: please try again in 300 seconds"));

    private final ManualClock clock = ManualClock.start();
    private final Greylist greylist = Greylist.create(
            new Greylist.Settings(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(1)), clock);

    /** One SMTP transaction: its RCPT verdicts, then (if some recipient passed) the end-of-message result. */
    private record Attempt(List<Response.Decision> recipients, EndOfMessageResult end) {}

    private static Attempt send(MilterServer server, Command.Connect client, String... recipients) {
        try (MilterClient mta = MilterClient.connect(server.boundSpec(), ClientOptions.DEFAULTS.withName("mta"))) {
            mta.negotiate(OFFER);
            mta.send(client, Map.of("j", "mx.example.net"));
            mta.send(new Command.Helo("client.example.org"));
            mta.send(new Command.MailFrom("<alice@example.org>"));
            List<Response.Decision> verdicts = java.util.Arrays.stream(recipients)
                    .map(r -> mta.send(new Command.Recipient(r))).toList();
            EndOfMessageResult end = null;
            if (verdicts.stream().anyMatch(v -> v instanceof Response.Continue)) {
                mta.send(new Command.Data());
                mta.send(new Command.Header("Subject", "hi"));
                mta.send(new Command.EndOfHeaders());
                end = mta.endOfMessage();
            }
            mta.quit();
            return new Attempt(verdicts, end);
        }
    }

    private static Command.Connect inet(String address) {
        return new Command.Connect("host.example.org", address.contains(":") ? Command.Family.INET6
                : Command.Family.INET, 41000, address);
    }

    @Test
    void theFirstAttemptIsTempfailedAndTheRetryAfterTheDelayPassesWithAHeader() throws Exception {
        try (MilterServer server = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"), greylist, true,
                clock).start()) {
            assertEquals(new Attempt(List.of(GREYLISTED), null), send(server, inet("192.0.2.1"), "<bob@example.net>"));
            clock.advance(Duration.ofMinutes(2));
            assertEquals(List.of(new Response.ReplyCode(SmtpReply.of(451, "4.7.1",
                    "Greylisted: please try again in 180 seconds"))),
                    send(server, inet("192.0.2.1"), "<bob@example.net>").recipients());
            clock.advance(Duration.ofMinutes(3).plusSeconds(7));
            Attempt retry = send(server, inet("192.0.2.1"), "<bob@example.net>", "<carol@example.net>");
            assertEquals(List.of(new Response.Continue(), GREYLISTED), retry.recipients(),
                    "bob's retry passes, carol is new");
            assertEquals(new Response.Continue(), retry.end().decision());
            assertEquals(List.of(new Response.AddHeader("X-Greylist", "Delayed for 00:05:07 by milter-manager"
                    + " greylist example (mx.example.net [192.0.2.1]); Sat, 28 Nov 2026 00:05:07 +0000")),
                    retry.end().modifications());
            Attempt again = send(server, inet("192.0.2.1"), "<bob@example.net>");
            assertEquals(List.of(), again.end().modifications(), "no header once the triplet passes without delay");
        }
    }

    @Test
    void loopbackAndUnixClientsAreNeverGreylisted() throws Exception {
        try (MilterServer server = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"), greylist, true,
                clock).start()) {
            assertEquals(List.of(new Response.Continue()), send(server, inet("127.0.0.1"), "<b@x.test>").recipients());
            assertEquals(List.of(new Response.Continue()), send(server, inet("::1"), "<b@x.test>").recipients());
            assertEquals(List.of(new Response.Continue()), send(server,
                    new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/smtp.sock"), "<b@x.test>")
                    .recipients());
            assertEquals(List.of(GREYLISTED), send(server, inet("2001:db8::1"), "<b@x.test>").recipients());
            assertEquals(1, greylist.size());
        }
    }

    @Test
    void withoutTheHeaderItAsksForNoActionAndAddsNothing() throws Exception {
        assertEquals(java.util.Set.of(), GreylistMilter.spec(false).actions());
        assertEquals(java.util.Set.of(Action.ADD_HEADERS), GreylistMilter.spec(true).actions());
        try (MilterServer server = GreylistMilter.server(ConnectionSpec.parse("inet:0@[127.0.0.1]"), greylist, false,
                clock).start()) {
            send(server, inet("192.0.2.1"), "<bob@example.net>");
            clock.advance(Duration.ofMinutes(5));
            assertEquals(List.of(), send(server, inet("192.0.2.1"), "<bob@example.net>").end().modifications());
        }
    }

    @Test
    void theCommandLineSetsTheSpecTheTimesAndTheHeader() {
        GreylistMilter.Options options = GreylistMilter.Options.parse("--delay", "60", "--retry-window", "3600",
                "--pass-lifetime", "86400", "--no-header", "unix:/run/greylist.sock");
        assertEquals(ConnectionSpec.parse("unix:/run/greylist.sock"), options.spec());
        assertEquals(new Greylist.Settings(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1)),
                options.settings());
        assertEquals(false, options.addHeader());
        assertEquals(ConnectionSpec.parse(GreylistMilter.DEFAULT_SPEC), GreylistMilter.Options.parse().spec());
        assertThrows(IllegalArgumentException.class, () -> GreylistMilter.Options.parse("--delay"));
        assertThrows(IllegalArgumentException.class, () -> GreylistMilter.Options.parse("--delay", "soon"));
        assertThrows(IllegalArgumentException.class, () -> GreylistMilter.Options.parse("--fast"));
    }
}
