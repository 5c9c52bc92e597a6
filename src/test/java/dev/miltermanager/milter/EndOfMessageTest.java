package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class EndOfMessageTest {
    private static final MilterSpec ALL_ACTIONS = MilterSpec.builder().actions(Action.values()).build();
    private static final List<Command> MESSAGE = List.of(StateMachineTest.O, StateMachineTest.C, StateMachineTest.H,
            StateMachineTest.M, StateMachineTest.R, StateMachineTest.T, StateMachineTest.L, StateMachineTest.N,
            StateMachineTest.B, StateMachineTest.E);

    private static final BiFunction<MessageEditor, ScriptedMilter.Event, Response.Decision> EVERY_EDIT =
            (editor, e) -> {
                editor.addHeader("X-Added", "yes");
                editor.insertHeader(0, "X-Top", "first\n\tfolded");
                editor.changeHeader("Subject", 1, "[checked] hi");
                editor.deleteHeader("X-Spam", 2);
                editor.replaceBody("new body\r\n".getBytes());
                editor.addRecipient("<c@example.org>");
                editor.addRecipient("<d@example.org>", "NOTIFY=NEVER");
                editor.deleteRecipient("<b@example.org>");
                editor.changeFrom("<bounce@example.org>", "RET=HDRS");
                editor.quarantine("suspicious");
                return Verdict.CONTINUE;
            };

    private static final List<Response> EVERY_EDIT_ON_THE_WIRE = List.of(
            new Response.AddHeader("X-Added", "yes"),
            new Response.InsertHeader(0, "X-Top", "first\n\tfolded"),
            new Response.ChangeHeader(1, "Subject", "[checked] hi"),
            new Response.ChangeHeader(2, "X-Spam", ""),
            Response.ReplaceBody.of("new body\r\n".getBytes()),
            new Response.AddRecipient("<c@example.org>"),
            new Response.AddRecipientWithArgs("<d@example.org>", "NOTIFY=NEVER"),
            new Response.DeleteRecipient("<b@example.org>"),
            new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS"),
            new Response.Quarantine("suspicious"),
            new Response.Continue());

    @Test
    void everyEditGoesOutInCallOrderInOneWriteWithTheVerdict() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        script.endOfMessage = EVERY_EDIT;
        RecordingWire wire = RecordingWire.run(ALL_ACTIONS, script, MESSAGE.toArray(Command[]::new));
        List<List<Response>> writes = wire.writes();
        assertEquals(10, writes.size(), "O, 8 events, then end of message in one write");
        assertEquals(EVERY_EDIT_ON_THE_WIRE, writes.getLast());
    }

    @Test
    void everyEditArrivesOverTcpInTheSameReadAsTheVerdict() {
        try (ServerFixture f = new ServerFixture(ALL_ACTIONS)) {
            f.script.endOfMessage = EVERY_EDIT;
            MtaDriver mta = f.connectPostfixLike();
            MESSAGE.subList(1, MESSAGE.size() - 1).forEach(mta::ask);
            mta.send(StateMachineTest.E);
            List<MtaDriver.Received> got = mta.untilDecision();
            assertEquals(EVERY_EDIT_ON_THE_WIRE, got.stream().map(MtaDriver.Received::response).toList());
            int read = got.getFirst().firstRead();
            assertTrue(got.stream().allMatch(r -> r.firstRead() == read && r.lastRead() == read),
                    "edits and verdict split over socket reads: " + got);
        }
    }

    @Test
    void aBodyOver64KiBIsSentInPacketsOfAtMost65535Bytes() {
        byte[] body = new byte[200_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        try (ServerFixture f = new ServerFixture(ALL_ACTIONS)) {
            f.script.endOfMessage = (editor, e) -> {
                editor.replaceBody(ByteBuffer.wrap(body, 0, 70_000));
                editor.replaceBody(ByteBuffer.wrap(body, 70_000, body.length - 70_000));
                return Verdict.CONTINUE;
            };
            MtaDriver mta = f.connectAndHelo();
            mta.ask(StateMachineTest.M);
            mta.ask(StateMachineTest.R);
            mta.send(StateMachineTest.E);
            List<Response> got = mta.untilDecision().stream().map(MtaDriver.Received::response).toList();
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            List<Integer> sizes = got.subList(0, got.size() - 1).stream()
                    .map(r -> assertInstanceOf(Response.ReplaceBody.class, r).toByteArray())
                    .peek(joined::writeBytes).map(b -> b.length).toList();
            assertEquals(List.of(65535, 65535, 65535, 3395), sizes);
            assertArrayEquals(body, joined.toByteArray());
            assertEquals(Verdict.CONTINUE, got.getLast());
        }
    }

    @Test
    void bodyPiecesStayTogetherAtThePlaceOfTheFirst() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        script.endOfMessage = (editor, e) -> {
            editor.addHeader("X-A", "1");
            editor.replaceBody("part one\r\n".getBytes());
            editor.addHeader("X-B", "2");
            editor.replaceBody("part two\r\n".getBytes());
            return Verdict.CONTINUE;
        };
        RecordingWire wire = RecordingWire.run(ALL_ACTIONS, script, MESSAGE.toArray(Command[]::new));
        assertEquals(List.of(new Response.AddHeader("X-A", "1"),
                Response.ReplaceBody.of("part one\r\npart two\r\n".getBytes()), new Response.AddHeader("X-B", "2"),
                new Response.Continue()), wire.writes().getLast());
    }

    @Test
    void anEmptyReplacementEmptiesTheBody() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        script.endOfMessage = (editor, e) -> {
            editor.replaceBody(new byte[0]);
            return Verdict.CONTINUE;
        };
        RecordingWire wire = RecordingWire.run(ALL_ACTIONS, script, MESSAGE.toArray(Command[]::new));
        assertEquals(List.of(Response.ReplaceBody.of(new byte[0]), new Response.Continue()), wire.writes().getLast());
    }

    @Test
    void progressIsSentAtOnceWhileTheCallbackRuns() throws InterruptedException {
        CountDownLatch seen = new CountDownLatch(1);
        try (ServerFixture f = new ServerFixture(ALL_ACTIONS)) {
            f.script.endOfMessage = (editor, e) -> {
                editor.addHeader("X-Slow", "yes");
                editor.progress();
                try {
                    assertTrue(seen.await(10, TimeUnit.SECONDS), "the MTA did not see the progress");
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
                return Verdict.ACCEPT;
            };
            MtaDriver mta = f.connectAndHelo();
            mta.ask(StateMachineTest.M);
            mta.ask(StateMachineTest.R);
            mta.send(StateMachineTest.E);
            assertEquals(new Response.Progress(), mta.next());
            seen.countDown();
            assertEquals(List.of(new Response.AddHeader("X-Slow", "yes"), Verdict.ACCEPT),
                    mta.untilDecision().stream().map(MtaDriver.Received::response).toList());
        }
    }

    @Test
    void aReplyAndARejectAtEndOfMessageGoOutAsTheReplyCode() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        SmtpReply reply = SmtpReply.of(554, "5.7.1", "Spam");
        script.endOfMessage = (editor, e) -> {
            editor.setReply(reply);
            return Verdict.REJECT;
        };
        RecordingWire wire = RecordingWire.run(ALL_ACTIONS, script, MESSAGE.toArray(Command[]::new));
        assertEquals(List.of(new Response.ReplyCode(reply)), wire.writes().getLast());
    }

    @Test
    void anEditThatWasNotAgreedFailsTheCallbackWhichAnswersTempfail() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        AtomicReference<RuntimeException> thrown = new AtomicReference<>();
        script.endOfMessage = (editor, e) -> {
            editor.addRecipient("<x@example.org>");
            try {
                editor.addHeader("X-Not", "agreed");
            } catch (IllegalStateException ex) {
                thrown.set(ex);
                throw ex;
            }
            return Verdict.CONTINUE;
        };
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_RECIPIENTS).build();
        RecordingWire wire = RecordingWire.run(spec, script, MESSAGE.toArray(Command[]::new));
        assertEquals(List.of(new Response.TempFail()), wire.writes().getLast(), "no edit of a failed callback");
        assertTrue(thrown.get().getMessage().contains("ADD_HEADERS was not agreed"), thrown.get().getMessage());
    }

    @Test
    void theEditorRefusesBadValuesAndUseAfterTheCallback() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        AtomicReference<MessageEditor> kept = new AtomicReference<>();
        script.endOfMessage = (editor, e) -> {
            kept.set(editor);
            assertThrows(IllegalArgumentException.class, () -> editor.addHeader("Bad Name", "x"));
            assertThrows(IllegalArgumentException.class, () -> editor.addHeader("X", "a\r\nb"));
            assertThrows(IllegalArgumentException.class, () -> editor.addHeader("X", "a\nb"));
            assertThrows(IllegalArgumentException.class, () -> editor.changeHeader("X", 0, "v"));
            assertThrows(IllegalArgumentException.class, () -> editor.insertHeader(-1, "X", "v"));
            assertThrows(IllegalArgumentException.class, () -> editor.addRecipient(""));
            assertThrows(IllegalArgumentException.class, () -> editor.quarantine(""));
            return Verdict.CONTINUE;
        };
        RecordingWire wire = RecordingWire.run(ALL_ACTIONS, script, MESSAGE.toArray(Command[]::new));
        assertEquals(List.of(new Response.Continue()), wire.writes().getLast());
        assertThrows(IllegalStateException.class, () -> kept.get().addHeader("X-Late", "no"));
    }

    @Test
    void aBodyPieceCarriedByEndOfMessageGoesToTheBodyCallbackFirst() {
        ScriptedMilter.Script script = new ScriptedMilter.Script();
        RecordingWire.run(MilterSpec.defaults(), script, StateMachineTest.O, StateMachineTest.C, StateMachineTest.M,
                StateMachineTest.R, StateMachineTest.N, new Command.EndOfMessage(ByteBuffer.wrap("tail".getBytes())));
        assertEquals(List.of("connect", "mail", "rcpt", "eoh", "body", "eom", "close"),
                script.events.stream().map(ScriptedMilter.Event::name).toList());
    }
}
