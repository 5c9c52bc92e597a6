package dev.miltermanager.interop;

import static dev.miltermanager.interop.RealMilterRig.CONTINUE;
import static dev.miltermanager.interop.RealMilterRig.POSTFIX_V6;
import static dev.miltermanager.interop.RealMilterRig.ascii;
import static dev.miltermanager.interop.RealMilterRig.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.interop.InteropChild.Kind;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every modification a real libmilter or pymilter child can make at end of message reaches the client as the
 * matching {@link Response.Modification}, in the order the child made it, with progress passed to the listener in
 * between. Observed: the libraries send each edit the moment the milter calls {@code smfi_*}, and
 * {@code smfi_replacebody} cuts a body into pieces of exactly 65535 bytes (the last one shorter); a second call
 * appends further pieces.
 */
class RealMilterEditsTest {

    private static final byte[] BODY = ascii("hello\r\n");

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyEditArrivesInTheOrderTheChildMadeIt(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "edits").tcp()
                .edit("add-header:X-Added:by {name}")
                .edit("add-header:X-Folded:first line\\n\\tsecond line")
                .edit("insert-header:0:X-Top:inserted first")
                .edit("change-header:Subject:1:[checked] hello")
                .edit("progress")
                .edit("change-header:X-Remove:1:")
                .edit("add-rcpt:<carol@example.net>")
                .edit("add-rcpt-par:<dave@example.net>:NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;dave@example.net")
                .edit("del-rcpt:<bob@example.net>")
                .edit("change-from:<bounce@example.org>:RET=HDRS ENVID=e1")
                .edit("change-from:<plain@example.org>")
                .edit("replace-body:replaced\\nbody\\n")
                .edit("quarantine:held by {name}")
                .edit("progress"))) {
            List<Response> seen = new ArrayList<>();
            EndOfMessageResult result = sendMessage(rig.client(), seen);

            List<Response.Modification> expected = List.of(
                    new Response.AddHeader("X-Added", "by edits"),
                    new Response.AddHeader("X-Folded", "first line\n\tsecond line"),
                    new Response.InsertHeader(0, "X-Top", "inserted first"),
                    new Response.ChangeHeader(1, "Subject", "[checked] hello"),
                    new Response.ChangeHeader(1, "X-Remove", ""),
                    new Response.AddRecipient("<carol@example.net>"),
                    new Response.AddRecipientWithArgs("<dave@example.net>",
                            "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;dave@example.net"),
                    new Response.DeleteRecipient("<bob@example.net>"),
                    new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS ENVID=e1"),
                    new Response.ChangeFrom("<plain@example.org>"),
                    Response.ReplaceBody.of(ascii("replaced\r\nbody\r\n")),
                    new Response.Quarantine("held by edits"));
            assertEquals(expected, result.modifications());
            assertEquals(CONTINUE, result.decision());
            assertEquals(2, result.progressCount());

            List<Response> expectedSeen = new ArrayList<>(expected);
            expectedSeen.add(4, new Response.Progress());
            expectedSeen.add(new Response.Progress());
            assertEquals(expectedSeen, seen, "the listener sees each edit and each progress as it arrives");
            assertTrue(rig.quitAndAwaitLog().contains("eom bodysha256=" + sha256(BODY)));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReplacedBodyOver65535BytesComesInPiecesThatConcatenateToTheText(Kind kind) {
        StringBuilder script = new StringBuilder("replace-body:");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int i = 1; i <= 2900; i++) { // about 104 KB of command line, below Linux's 128 KiB per argument
            String line = "line %05d of the replacement body".formatted(i);
            script.append(line).append("\\n");
            text.writeBytes(ascii(line + "\r\n"));
        }
        int large = text.size();
        text.writeBytes(ascii("tail\r\n"));
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "body")
                .edit(script.toString()).edit("replace-body:tail\\n"))) {
            List<Response> seen = new ArrayList<>();
            EndOfMessageResult result = sendMessage(rig.client(), seen);

            List<Response.ReplaceBody> pieces = result.modifications(Response.ReplaceBody.class);
            assertEquals(result.modifications(), pieces);
            assertEquals(List.of(65535, large - 65535, 6), pieces.stream().map(p -> p.chunk().remaining()).toList(),
                    "libmilter's pieces: 65535 bytes each, the last one shorter; the second call appends");
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            pieces.forEach(p -> joined.writeBytes(p.toByteArray()));
            assertEquals(sha256(text.toByteArray()), sha256(joined.toByteArray()));
            assertEquals(pieces, seen);
            rig.quitAndAwaitLog();
        }
    }

    /** One message as Postfix sends it; returns the end-of-message result, the listener filling {@code seen}. */
    private static EndOfMessageResult sendMessage(MilterClient client, List<Response> seen) {
        client.negotiate(POSTFIX_V6);
        List<Command> events = List.of(
                new Command.Connect("client.example.org", Command.Family.INET, 4711, "192.0.2.1"),
                new Command.Helo("client.example.org"),
                new Command.MailFrom("<alice@example.org>"),
                new Command.Recipient("<bob@example.net>"),
                new Command.Data(),
                new Command.Header("Subject", "hello"),
                new Command.Header("X-Remove", "old"),
                new Command.EndOfHeaders(),
                Command.Body.of(BODY));
        for (Command event : events) {
            assertEquals(CONTINUE, client.send(event), event::toString);
        }
        return client.endOfMessage(Map.of(), seen::add);
    }
}
