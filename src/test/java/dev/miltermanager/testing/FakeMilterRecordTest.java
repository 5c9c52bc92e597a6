package dev.miltermanager.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.PacketTooLargeException;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.UnknownPacketException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeMilterRecordTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void commandsAreRecordedInOrderWithTheMacrosSentBeforeThem() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(new Command.Macros('C', Map.of("j", "mx.example.org")),
                    new Command.Macros('C', Map.of("{daemon_name}", "smtpd")), Mail.CONNECT);
            mta.read();
            mta.exchange(Mail.HELO);
            mta.send(new Command.Macros('M', Map.of("{mail_addr}", "alice@example.net")), Mail.MAIL);
            mta.read();
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(List.of(
                    new FakeSession.Received(RawMta.OFFER, Map.of()),
                    new FakeSession.Received(Mail.CONNECT, Map.of("j", "mx.example.org", "{daemon_name}", "smtpd")),
                    new FakeSession.Received(Mail.HELO, Map.of()),
                    new FakeSession.Received(Mail.MAIL, Map.of("{mail_addr}", "alice@example.net"))),
                    session.received());
            assertEquals(List.of(Mail.HELO), session.commands(Command.Helo.class));
            assertEquals("smtpd", session.received(Stage.CONNECT).get(0).macros().get("{daemon_name}"));
        }
    }

    @Test
    void messagesCollectTheirEnvelopeHeadersAndBody() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.CONNECT, Mail.HELO, Mail.MAIL, Mail.rcpt("<x@example.org>"), Mail.ABORT);
            mta.read(4);
            mta.send(Mail.MAIL, Mail.RCPT, Mail.rcpt("<carol@example.org>"), Mail.DATA, Mail.SUBJECT,
                    new Command.Header("To", "bob"), Mail.EOH, Mail.body("part one\r\n"), Mail.body("part two\r\n"),
                    Mail.EOM, Mail.ABORT, Mail.QUIT);
            mta.read(10);
            mta.assertClosedByFake();
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(FakeSession.State.QUIT, session.awaitEnd(WAIT));

            FakeSession.Message aborted = session.message(0);
            assertEquals(List.of("<x@example.org>"), aborted.recipients());
            assertTrue(aborted.aborted());
            assertFalse(aborted.endOfMessage());

            FakeSession.Message delivered = session.message(1);
            assertEquals("<alice@example.net>", delivered.sender());
            assertEquals(Optional.of(Mail.MAIL), delivered.mailFrom());
            assertEquals(List.of("<bob@example.org>", "<carol@example.org>"), delivered.recipients());
            assertEquals(List.of(Mail.SUBJECT, new Command.Header("To", "bob")), delivered.headers());
            assertEquals(Optional.of("bob"), delivered.header("to"));
            assertEquals("part one\r\npart two\r\n", delivered.bodyText());
            assertTrue(delivered.endOfMessage());
            assertFalse(delivered.aborted(), "the ABORT after end of message belongs to no message");
            assertEquals(2, session.messages().size());

            assertEquals(List.of("<x@example.org>", "<bob@example.org>", "<carol@example.org>"),
                    session.recipients());
            assertEquals(2, session.headers().size());
            assertEquals(2, session.abortCount());
            assertTrue(session.quitReceived());
            assertThrows(AssertionError.class, () -> session.message(2));
        }
    }

    @Test
    void theMessageInProgressIsVisibleWhileTheConnectionIsLive() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.MAIL, Mail.RCPT, Mail.BODY);
            mta.read(3);
            FakeSession.Message message = milter.takeSession(WAIT).message(0);
            assertEquals("Hi Bob,\r\nsee you.\r\n", message.bodyText());
            assertFalse(message.endOfMessage());
        }
    }

    @Test
    void severalConnectionsAreRecordedSeparately() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start();
             RawMta first = RawMta.connect(milter)) {
            first.negotiate();
            milter.awaitConnections(1, WAIT);
            try (RawMta second = RawMta.connect(milter)) {
                second.negotiate();
                second.exchange(new Command.Helo("second"));
                first.exchange(new Command.Helo("first"));
            }
            List<FakeSession> sessions = milter.awaitConnections(2, WAIT);
            assertEquals(2, sessions.size());
            FakeSession one = milter.takeSession(WAIT);
            FakeSession two = milter.takeSession(WAIT);
            assertEquals(List.of(0, 1), List.of(one.index(), two.index()));
            assertEquals(List.of(new Command.Helo("first")), one.commands(Command.Helo.class));
            assertEquals(List.of(new Command.Helo("second")), two.commands(Command.Helo.class));
            assertEquals(FakeSession.State.MTA_CLOSED, two.awaitEnd(WAIT));
            assertEquals(FakeSession.State.OPEN, one.state());
        }
    }

    @Test
    void eventsTheFakeDidNotNegotiateAreRecordedAsViolations() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().version(2).protocol(ProtocolFlag.NO_BODY).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.send(Mail.HELO);
            mta.read();
            mta.negotiate();
            mta.send(Mail.DATA, Mail.BODY, Mail.EOM);
            assertEquals(List.of(new Response.Continue(), new Response.Continue(), new Response.Continue()),
                    mta.read(3), "the fake answers anyway");
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(List.of("HELO arrived before negotiation",
                    "DATA arrived although the fake negotiated protocol version 2, which does not define it",
                    "BODY arrived although the fake negotiated NO_BODY"), session.violations());
            AssertionError failure = assertThrows(AssertionError.class, milter::assertNoViolations);
            assertTrue(failure.getMessage().contains("session 0: BODY arrived"), failure.getMessage());
            milter.assertNoErrors();
        }
    }

    @Test
    void aMalformedPacketIsRecordedAsAnErrorAndClosesTheConnection() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.sendRaw(new byte[] {0, 0, 0, 1, 'Z'});
            mta.assertClosedByFake();
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(FakeSession.State.PROTOCOL_ERROR, session.awaitEnd(WAIT));
            assertInstanceOf(UnknownPacketException.class, session.errors().get(0));
            AssertionError failure = assertThrows(AssertionError.class, milter::assertNoErrors);
            assertTrue(failure.getMessage().contains("unknown command code 'Z'"), failure.getMessage());
        }
    }

    @Test
    void aPacketOverTheNegotiatedSizeIsAnError() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.sendRaw(new byte[] {0, 1, 0, 1, 'B'});
            mta.assertClosedByFake();
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            assertInstanceOf(PacketTooLargeException.class, session.errors().get(0));
        }
    }

    @Test
    void anMtaHangingUpInsideAPacketEndsTheConnectionCleanly() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            try (RawMta mta = RawMta.connect(milter)) {
                mta.negotiate();
                mta.sendRaw(new byte[] {0, 0, 0, 9, 'H', 'x'});
            }
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(FakeSession.State.MTA_CLOSED, session.awaitEnd(WAIT));
            assertEquals(List.of(), session.errors());
            assertTrue(session.transcript().contains("inside a packet"), session.transcript());
        }
    }

    @Test
    void theTranscriptShowsBothDirectionsWithMacros() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.HELO, FakeReply.REJECT).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(new Command.Macros('H', Map.of("{tls_version}", "TLSv1.3")), Mail.HELO);
            mta.read();
            mta.exchange(Mail.body("line\r\n"));
            String transcript = milter.transcript();
            assertTrue(transcript.startsWith("session 0 from inet:"), transcript);
            assertTrue(transcript.contains("MTA  DH {{tls_version}=TLSv1.3}"), transcript);
            assertTrue(transcript.contains("MTA  H Helo[name=mx.example.net]"), transcript);
            assertTrue(transcript.contains("fake r Reject[]"), transcript);
            assertTrue(transcript.contains("MTA  B Body[6 bytes: \"line\\r\\n\"]"), transcript);
        }
    }

    @Test
    void waitingTooLongIsAnAssertionErrorWithTheTranscript() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            AssertionError none = assertThrows(AssertionError.class, () -> milter.takeSession(Duration.ofMillis(50)));
            assertTrue(none.getMessage().contains("waiting for connection 0"), none.getMessage());
            assertTrue(none.getMessage().contains("no connection to the fake milter"), none.getMessage());
            try (RawMta mta = RawMta.connect(milter)) {
                mta.negotiate();
                AssertionError tooFew = assertThrows(AssertionError.class,
                        () -> milter.awaitConnections(2, Duration.ofMillis(50)));
                assertTrue(tooFew.getMessage().contains("1 arrived"), tooFew.getMessage());
                assertTrue(tooFew.getMessage().contains("O Negotiate"), tooFew.getMessage());
                FakeSession session = milter.takeSession(WAIT);
                AssertionError noHelo = assertThrows(AssertionError.class,
                        () -> session.awaitCommand(Command.Helo.class, Duration.ofMillis(50)));
                assertTrue(noHelo.getMessage().contains("waiting for a Helo command"), noHelo.getMessage());
            }
        }
    }
}
