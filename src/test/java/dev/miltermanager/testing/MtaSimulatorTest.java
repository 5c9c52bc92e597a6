package dev.miltermanager.testing;

import static dev.miltermanager.testing.FakeReply.REJECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MtaSimulatorTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private static TestMessage hello() {
        return TestMessage.builder().from("alice@example.org", "SIZE=100").to("bob@example.net")
                .to("carol@example.net").header("From", "<alice@example.org>").header("Subject", "hello")
                .body("Hi Bob\n").build();
    }

    @Test
    void appliedMessageUnderPostfixCountsTheHiddenReceivedForInsertsOnly() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(
                new Response.InsertHeader(0, "X-Top", "above Received"),
                new Response.InsertHeader(2, "X-Two", "below From"),
                new Response.ChangeHeader(1, "Subject", "changed"),
                new Response.AddHeader("X-End", "last"),
                new Response.DeleteRecipient("<carol@example.net>"),
                new Response.AddRecipient("<dave@example.net>"),
                new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS"),
                Response.ReplaceBody.of("new body\r\n".getBytes(StandardCharsets.US_ASCII)),
                new Response.Quarantine("looks odd")).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());

            result.assertThat().hasStatus(Status.CONTINUE).isDelivered().isQuarantined("looks odd")
                    .hasRecipients("<bob@example.net>", "<dave@example.net>").hasSender("<bounce@example.org>")
                    .hasBody("new body\r\n").hasHeader("Subject", "changed");
            List<String> names = result.message().headers().stream().map(TestMessage.HeaderField::name).toList();
            assertEquals(List.of("X-Top", "Received", "X-Two", "From", "Subject", "X-End"), names);
            assertEquals(1, result.message().mtaHeaderIndex());
            assertEquals(List.of("RET=HDRS"), result.message().senderArgs());
            assertEquals(9, result.edits().size());
            assertEquals("pass", result.statusName());
        }
    }

    @Test
    void aHeaderValueCanBeMatchedByARegularExpressionAndAMismatchShowsTheHeaders() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .edits(new Response.AddHeader("X-Stamp", "seen at 12:34:56")).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());

            result.assertThat().hasHeaderMatching("x-stamp", "seen at \\d\\d:\\d\\d:\\d\\d");
            AssertionError partial = assertThrows(AssertionError.class,
                    () -> result.assertThat().hasHeaderMatching("X-Stamp", "seen"));
            assertTrue(partial.getMessage().contains("X-Stamp: seen at 12:34:56"), partial.getMessage());
            assertThrows(AssertionError.class, () -> result.assertThat().hasHeaderMatching("X-Other", ".*"));
        }
    }

    @Test
    void sendmailHasNoHiddenHeaderAndSendsItsMacroSets() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .edits(new Response.InsertHeader(0, "X-Top", "first")).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.SENDMAIL).run(milter.connectionSpec(), hello());

            result.assertThat().hasHeaders("X-Top: first", "From: <alice@example.org>", "Subject: hello");
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            Map<String, String> connect = session.received(Stage.CONNECT).getFirst().macros();
            assertEquals("localhost", connect.get("{if_name}"));
            assertEquals("mail.example.org", connect.get("j"));
            Map<String, String> mail = session.received(Stage.MAIL).getFirst().macros();
            assertEquals("alice@example.org", mail.get("{mail_addr}"));
            assertTrue(mail.containsKey("i"));
            assertTrue(session.received(Stage.EOM).getFirst().macros().containsKey("{msg_id}"));
            assertEquals(0, session.abortCount(), "Sendmail sends no ABORT after a message that ended normally");
        }
    }

    @Test
    void postfixSendsTheQueueIdOnlyFromTheFirstAcceptedRecipientOn() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            assertFalse(session.received(Stage.MAIL).getFirst().macros().containsKey("i"));
            List<FakeSession.Received> rcpts = session.received(Stage.RCPT);
            assertFalse(rcpts.get(0).macros().containsKey("i"));
            assertTrue(rcpts.get(1).macros().containsKey("i"));
            assertEquals("mx.example.net [192.168.123.123]",
                    session.received(Stage.CONNECT).getFirst().macros().get("_"));
        }
    }

    @Test
    void aRefusedRecipientLeavesTheEnvelopeAndTheMessageGoesOn() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().on(Stage.RCPT, "carol", REJECT).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            result.assertThat().isDelivered().hasRecipients("<bob@example.net>");
            assertEquals(1, result.rejectedRecipients().size());
            assertEquals("<carol@example.net>", result.rejectedRecipients().getFirst().argument());
        }
    }

    @Test
    void everyRecipientRefusedRefusesTheMessageAtRcpt() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.RCPT, FakeReply.replyCode("550 5.1.1 no such user")).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            result.assertThat().hasStatusAt(Status.REJECT, Stage.RCPT).hasReply("550 5.1.1 no such user");
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            assertTrue(session.received(Stage.DATA).isEmpty());
            assertEquals(1, session.abortCount());
        }
    }

    @Test
    void aReplyCodeAtEndOfMessageIsTheStatusAndReply() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.EOM, FakeReply.replyCode("451 4.7.1 try later")).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            result.assertThat().hasStatusAt(Status.TEMPORARY_FAILURE, Stage.EOM);
            assertEquals(SmtpReply.parse("451 4.7.1 try later"), result.reply().orElseThrow());
            assertEquals("temporary-failure", result.statusName());
            assertFalse(result.delivered());
        }
    }

    @Test
    void severalMessagesOnOneConnectionWithAbortBetween() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .on(Stage.MAIL, "spammer", REJECT).start();
             MtaSession session = MtaSimulator.of(MtaProfile.POSTFIX).open(milter.connectionSpec())) {
            MilterResult first = session.send(hello());
            MilterResult second = session.send(hello().toBuilder().from("spammer@example.com").build());
            MilterResult third = session.send(hello());
            session.quit();

            first.assertThat().isDelivered();
            second.assertThat().hasStatusAt(Status.REJECT, Stage.MAIL);
            third.assertThat().isDelivered();
            assertEquals(List.of(Stage.CONNECT, Stage.HELO, Stage.MAIL),
                    first.stages().stream().map(StageReply::stage).toList().subList(0, 3));
            assertEquals(Stage.MAIL, third.stages().getFirst().stage(), "CONNECT and HELO only once");
            FakeSession fake = milter.takeSession(WAIT);
            fake.awaitEnd(WAIT);
            assertEquals(3, fake.messages().size());
            assertEquals(3, fake.abortCount());
            assertEquals(1, fake.commands(Command.Connect.class).size());
            assertTrue(fake.quitReceived());
        }
    }

    @Test
    void theMiltersNoEventFlagsAreHonoured() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .protocol(ProtocolFlag.NO_HELO, ProtocolFlag.NO_BODY, ProtocolFlag.NR_HEADER).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            assertFalse(result.reply(Stage.HELO).orElseThrow().sent());
            assertFalse(result.reply(Stage.BODY).orElseThrow().sent());
            result.assertThat().isDelivered().hasBody("Hi Bob\r\n");
            milter.assertNoViolations();
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            assertTrue(session.received(Stage.HELO).isEmpty());
            assertEquals(2, session.received(Stage.HEADER).size());
        }
    }

    @Test
    void aRefusalAtConnectRefusesEveryMessageOfTheConnection() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.CONNECT, REJECT).start();
             MtaSession session = MtaSimulator.of(MtaProfile.POSTFIX).open(milter.connectionSpec())) {
            MilterResult first = session.send(hello());
            MilterResult second = session.send(hello());
            first.assertThat().hasStatusAt(Status.REJECT, Stage.CONNECT);
            second.assertThat().hasStatusAt(Status.REJECT, Stage.CONNECT);
            session.quit();
            FakeSession fake = milter.takeSession(WAIT);
            fake.awaitEnd(WAIT);
            assertTrue(fake.received(Stage.HELO).isEmpty());
            assertTrue(fake.received(Stage.MAIL).isEmpty());
        }
    }

    @Test
    void macroListsFromTheMilterChooseTheMacrosSent() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().macros(MacroStage.CONNECT, "{client_addr}", "j").start()) {
            MtaSimulator.builder().profile(MtaProfile.POSTFIX).macro(MacroStage.HELO, "{x}", "y").build()
                    .run(milter.connectionSpec(), hello());
            FakeSession session = milter.takeSession(WAIT);
            session.awaitEnd(WAIT);
            assertEquals(Map.of("{client_addr}", "192.168.123.123", "j", "mail.example.org"),
                    session.received(Stage.CONNECT).getFirst().macros());
            assertEquals(Map.of("{x}", "y"), session.received(Stage.HELO).getFirst().macros());
        }
    }

    @Test
    void sendmailRefusesProtocolFlagsItDidNotOffer() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .negotiation(new Response.Negotiate(6, 0, ProtocolFlag.NR_HEADER.bit())).start()) {
            MtaSimulator sendmail = MtaSimulator.builder().profile(MtaProfile.SENDMAIL)
                    .protocol(ProtocolFlag.NO_HELO.bit()).build();
            MtaSessionException e = assertThrows(MtaSessionException.class,
                    () -> sendmail.open(milter.connectionSpec()));
            assertTrue(e.getMessage().contains("NR_HEADER"), e.getMessage());
            MtaSimulator postfix = sendmail.toBuilder().profile(MtaProfile.POSTFIX).build();
            try (MtaSession session = postfix.open(milter.connectionSpec())) {
                assertTrue(session.negotiated().has(ProtocolFlag.NR_HEADER));
            }
        }
    }

    @Test
    void progressBeforeEndOfMessageIsFineForPostfixAndAnErrorForSendmail() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.RCPT, FakeReply.CONTINUE
                .after(Duration.ofMillis(120)).progressEvery(Duration.ofMillis(50))).start()) {
            MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello()).assertThat().isDelivered();
            MtaSessionException e = assertThrows(MtaSessionException.class,
                    () -> MtaSimulator.of(MtaProfile.SENDMAIL).run(milter.connectionSpec(), hello()));
            assertTrue(e.getMessage().contains("sendmail accepts progress only at end of message, but the milter "
                    + "sent progress while answering RCPT"), e.getMessage());
        }
    }

    @Test
    void aMailFileGivesTheEnvelope() {
        byte[] mail = ("From sender Sat Jan  1 00:00:00 2000\n"
                + "From: Alice <alice@example.org>\n"
                + "To: bob@example.net, Carol <carol@example.net>\n"
                + "Subject: folded\n"
                + "  subject\n"
                + "\n"
                + "line 1\n"
                + "line 2\n").getBytes(StandardCharsets.UTF_8);
        TestMessage message = TestMessage.parse(mail);
        assertEquals("<alice@example.org>", message.sender());
        assertEquals(List.of("<bob@example.net>", "<carol@example.net>"),
                message.recipients().stream().map(TestMessage.Recipient::address).toList());
        assertEquals("folded\n  subject", message.headers().get(2).value());
        assertEquals("line 1\r\nline 2\r\n", new String(message.body(), StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestMessage.parse("From: a@b\nnot a header\n\nbody".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void aFailedAssertionShowsTheTranscript() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.EOM, REJECT).start()) {
            MilterResult result = MtaSimulator.of(MtaProfile.POSTFIX).run(milter.connectionSpec(), hello());
            AssertionError e = assertThrows(AssertionError.class, () -> result.assertThat().isDelivered());
            assertTrue(e.getMessage().contains("expected a delivered message"), e.getMessage());
            assertTrue(e.getMessage().contains("MTA    M MailFrom[sender=<alice@example.org>"), e.getMessage());
            assertTrue(e.getMessage().contains("milter r Reject[]"), e.getMessage());
        }
    }

    @Test
    void drivesAManagerSessionInProcess() throws Exception {
        try (FakeMilter first = FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-First", "seen")).start();
             FakeMilter second = FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(message -> List.of(new Response.AddHeader("X-Second",
                        message.header("X-First").orElse("missing")))).start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .addChild(ChildConfig.of("first", first.connectionSpec()))
                     .addChild(ChildConfig.of("second", second.connectionSpec())).build());
             ManagerSession managerSession = manager.openSession();
             MtaSession session = MtaSimulator.of(MtaProfile.POSTFIX).open(managerSession)) {
            MilterResult result = session.send(hello());
            session.quit();
            result.assertThat().isDelivered().hasHeader("X-First", "seen").hasHeader("X-Second", "seen");
        }
    }

    @Test
    void aTimeoutIsAnExceptionWithTheTranscript() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.HELO, FakeReply.SILENCE).start()) {
            MtaSimulator quick = MtaSimulator.builder().clientOptions(MtaSimulator.DEFAULT_TIMEOUTS.toBuilder()
                    .readTimeout(Duration.ofMillis(200)).build()).build();
            MtaSessionException e = assertThrows(MtaSessionException.class,
                    () -> quick.run(milter.connectionSpec(), hello()));
            assertTrue(e.getMessage().contains("HELO"), e.getMessage());
            assertTrue(e.transcript().contains("H Helo[name=delian]"), e.transcript());
        }
    }
}
