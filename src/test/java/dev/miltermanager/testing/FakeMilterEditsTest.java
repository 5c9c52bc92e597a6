package dev.miltermanager.testing;

import static dev.miltermanager.testing.FakeMilterNegotiationTest.assertAtLeast;
import static dev.miltermanager.testing.FakeReply.CLOSE;
import static dev.miltermanager.testing.FakeReply.REJECT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.Stage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeMilterEditsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");
    private static final List<Response.Modification> EDITS = List.of(
            new Response.AddHeader("X-Scanned", "yes"),
            new Response.InsertHeader(0, "X-First", "1"),
            new Response.ChangeHeader(1, "Subject", "[ok] hello"),
            new Response.ChangeHeader(1, "X-Old", ""),
            new Response.AddRecipient("<carol@example.org>"),
            new Response.AddRecipientWithArgs("<dave@example.org>", "NOTIFY=NEVER"),
            new Response.DeleteRecipient("<bob@example.org>"),
            new Response.ChangeFrom("<bounce@example.org>", "SIZE=99"),
            Response.ReplaceBody.of("new body\r\n".getBytes(StandardCharsets.US_ASCII)),
            new Response.Quarantine("held for review"));

    @Test
    void editsAreSentInOrderBeforeTheEomReplyInOneWrite() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(EDITS.toArray(Response.Modification[]::new)).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.MAIL, Mail.RCPT, Mail.EOM);
            mta.read(2);
            List<Response> expected = new ArrayList<>(EDITS);
            expected.add(new Response.Continue());
            byte[] wanted = bytes(ResponseCodec.encodeAll(expected));
            assertEquals(HEX.formatHex(wanted), HEX.formatHex(mta.readOneReceive()),
                    "the edits and the reply arrive together");
            assertEquals(expected, milter.takeSession(WAIT).sent().subList(3, 3 + expected.size()));
        }
    }

    @Test
    void editsMayBeComputedFromEachMessage() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .edits(message -> List.of(new Response.AddHeader("X-Seen",
                        message.sessionIndex() + "." + message.index() + " " + message.sender() + " "
                                + message.recipients())))
                .start()) {
            for (int connection = 0; connection < 2; connection++) {
                try (RawMta mta = RawMta.connect(milter)) {
                    mta.negotiate();
                    for (String rcpt : List.of("<a@example.org>", "<b@example.org>")) {
                        mta.send(Mail.MAIL, Mail.rcpt(rcpt), Mail.EOM);
                        mta.read(2);
                        assertEquals(List.of(new Response.AddHeader("X-Seen", connection + "."
                                        + (rcpt.startsWith("<a") ? 0 : 1) + " <alice@example.net> [" + rcpt + "]"),
                                new Response.Continue()), mta.read(2));
                    }
                }
            }
        }
    }

    @Test
    void editsGoBeforeWhateverDecisionEndsTheMessage() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(new Response.Quarantine("why"))
                .reply(Stage.EOM, REJECT).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.EOM);
            assertEquals(List.of(new Response.Quarantine("why"), new Response.Reject()), mta.read(2));
        }
    }

    @Test
    void noEditsAreSentWhenEndOfMessageClosesTheConnection() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(new Response.AddHeader("X-A", "1"))
                .reply(Stage.EOM, CLOSE).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.EOM);
            mta.assertClosedByFake();
        }
    }

    @Test
    void editsCanBeWrittenSeparatelyWithAPauseAsLibmilterDoes() throws Exception {
        Duration pause = Duration.ofMillis(300);
        Response.AddHeader first = new Response.AddHeader("X-A", "1");
        Response.AddHeader second = new Response.AddHeader("X-B", "2");
        try (FakeMilter milter = FakeMilter.builder().edits(first, second).writeEditsSeparately(pause)
                .tcpNoDelay(false).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            long start = System.nanoTime();
            mta.send(Mail.EOM);
            assertArrayEquals(bytes(ResponseCodec.encode(first)), mta.readOneReceive(),
                    "the first edit arrives alone");
            assertEquals(List.of(second, new Response.Continue()), mta.read(2));
            assertAtLeast(pause.multipliedBy(2), start);
            String transcript = milter.takeSession(WAIT).transcript();
            assertEquals(false, transcript.contains("one write"), transcript);
        }
    }

    @Test
    void theEditFunctionSeesTheBodyAndHeadersReceived() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .edits(message -> message.bodyText().contains("see you")
                        ? List.of(new Response.ChangeHeader(1, "Subject", message.header("subject").orElse("?") + "!"))
                        : List.of())
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.MAIL, Mail.SUBJECT, Mail.BODY, new Command.EndOfMessage());
            mta.read(3);
            assertEquals(List.of(new Response.ChangeHeader(1, "Subject", "hello!"), new Response.Continue()),
                    mta.read(2));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
