package dev.miltermanager.protocol;

import static dev.miltermanager.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each milter-to-MTA response against its exact wire bytes (protocol reference §1.4, §1.5), both ways. */
class ResponseCodecTest {

    /** Encoding gives exactly these bytes, and decoding them gives back an equal response. */
    private static void assertWire(Response response, String commentedHex) {
        byte[] expected = hex(commentedHex);
        assertEquals(Wire.show(expected), Wire.show(Wire.bytes(ResponseCodec.encode(response))),
                "encoded " + response);
        assertEquals(response, ResponseCodec.decode(Wire.packet(expected)), "decoded");
    }

    @Test
    void negotiateReplyWithoutMacroListsIsThreeWords() {
        assertWire(new Response.Negotiate(6, Action.ADD_HEADERS.bit(), ProtocolFlag.NO_BODY.bit()), """
                00:00:00:0d   # length 13
                4f            # 'O'
                00:00:00:06   # version 6
                00:00:00:01   # actions: ADD_HEADERS
                00:00:00:10   # protocol: NO_BODY
                """);
    }

    @Test
    void negotiateReplyAppendsOneSpaceSeparatedMacroListPerStageInStageNumberOrder() {
        int actions = 0x1 | 0x4 | 0x8 | 0x10 | 0x100;  // ADD_HEADERS ADD_RECIPIENTS DELETE_RECIPIENTS CHANGE_HEADERS SET_MACRO_LIST
        int protocol = 0x100 | 0x200 | 0x400 | 0x100000; // NO_UNKNOWN NO_DATA SKIP HEADER_LEADING_SPACE
        assertWire(new Response.Negotiate(6, actions, protocol, Map.of(
                MacroStage.EOH, List.of(),
                MacroStage.EOM, List.of("{i}"),
                MacroStage.CONNECT, List.of("j", "{client_addr}"),
                MacroStage.ENVFROM, List.of("{auth_authen}"))), """
                00:00:00:40                                     # length 64
                4f                                              # 'O'
                00:00:00:06                                     # version 6
                00:00:01:1d                                     # actions
                00:10:07:00                                     # protocol
                00:00:00:00                                     # SMFIM_CONNECT
                6a:20:7b:63:6c:69:65:6e:74:5f:61:64:64:72:7d:00 # "j {client_addr}"
                00:00:00:02                                     # SMFIM_ENVFROM
                7b:61:75:74:68:5f:61:75:74:68:65:6e:7d:00       # "{auth_authen}"
                00:00:00:05                                     # SMFIM_EOM (5 comes before EOH)
                7b:69:7d:00                                     # "{i}"
                00:00:00:06                                     # SMFIM_EOH
                00                                              # "": no macros at all
                """);
    }

    @Test
    void negotiateReplyMayListStagesInAnyOrderAndRepeatSpaces() {
        Response decoded = ResponseCodec.decode(Wire.packet(hex("""
                00:00:00:1c        # length 28
                4f                 # 'O'
                00:00:00:06        # version 6
                00:00:00:00        # actions
                00:00:00:00        # protocol
                00:00:00:03        # SMFIM_ENVRCPT
                20:69:20:20:6a:00  # " i  j": stray spaces
                00:00:00:01        # SMFIM_HELO
                00                 # ""
                """)));
        assertEquals(new Response.Negotiate(6, 0, 0,
                Map.of(MacroStage.ENVRCPT, List.of("i", "j"), MacroStage.HELO, List.of())), decoded);
    }

    @Test
    void continueIsTheBareCode() {
        assertWire(new Response.Continue(), "00:00:00:01 # length 1\n63 # 'c'");
    }

    @Test
    void acceptIsTheBareCode() {
        assertWire(new Response.Accept(), "00:00:00:01 # length 1\n61 # 'a'");
    }

    @Test
    void rejectIsTheBareCode() {
        assertWire(new Response.Reject(), "00:00:00:01 # length 1\n72 # 'r'");
    }

    @Test
    void tempFailIsTheBareCode() {
        assertWire(new Response.TempFail(), "00:00:00:01 # length 1\n74 # 't'");
    }

    @Test
    void discardIsTheBareCode() {
        assertWire(new Response.Discard(), "00:00:00:01 # length 1\n64 # 'd'");
    }

    @Test
    void skipIsTheBareCode() {
        assertWire(new Response.Skip(), "00:00:00:01 # length 1\n73 # 's'");
    }

    @Test
    void shutdownIsTheBareCode() {
        assertWire(new Response.Shutdown(), "00:00:00:01 # length 1\n34 # '4'");
    }

    @Test
    void connectionFailureIsTheBareCode() {
        assertWire(new Response.ConnectionFailure(), "00:00:00:01 # length 1\n66 # 'f'");
    }

    @Test
    void progressIsTheBareCode() {
        assertWire(new Response.Progress(), "00:00:00:01 # length 1\n70 # 'p'");
    }

    @Test
    void replyCodeCarriesTheReplyAsOneString() {
        assertWire(new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "Go away")), """
                00:00:00:13                                           # length 19
                79                                                    # 'y'
                35:35:30:20:35:2e:37:2e:31:20:47:6f:20:61:77:61:79:00 # "550 5.7.1 Go away"
                """);
    }

    @Test
    void multiLineReplyCodeJoinsLinesWithCrLfAndMarksAllButTheLastWithDash() {
        assertWire(new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "Go", "away")), """
                00:00:00:1e                       # length 30
                79                                # 'y'
                35:35:30:2d:35:2e:37:2e:31:20:47:6f # "550-5.7.1 Go"
                0d:0a                             # CRLF
                35:35:30:20:35:2e:37:2e:31:20:61:77:61:79 # "550 5.7.1 away"
                00                                # no CRLF after the last line
                """);
    }

    @Test
    void replyCodeDoublesPercentSignsOnTheWire() {
        assertWire(new Response.ReplyCode(SmtpReply.of(451, "4.3.0", "100% sure")), """
                00:00:00:16                                              # length 22
                79                                                       # 'y'
                34:35:31:20:34:2e:33:2e:30:20:31:30:30:25:25:20:73:75:72:65:00 # "451 4.3.0 100%% sure"
                """);
    }

    @Test
    void addHeaderIsNameThenValue() {
        assertWire(new Response.AddHeader("X-Spam", "no"), """
                00:00:00:0b              # length 11
                68                       # 'h'
                58:2d:53:70:61:6d:00     # "X-Spam"
                6e:6f:00                 # "no"
                """);
    }

    @Test
    void insertHeaderPutsTheIndexFirstAsAWord() {
        assertWire(new Response.InsertHeader(0, "X-First", "1"), """
                00:00:00:0f              # length 15
                69                       # 'i'
                00:00:00:00              # index 0: the top
                58:2d:46:69:72:73:74:00  # "X-First"
                31:00                    # "1"
                """);
    }

    @Test
    void changeHeaderWithAnEmptyValueDeletesThatOccurrence() {
        assertWire(new Response.ChangeHeader(2, "Subject", ""), """
                00:00:00:0e              # length 14
                6d                       # 'm'
                00:00:00:02              # the second "Subject"
                53:75:62:6a:65:63:74:00  # "Subject"
                00                       # "": delete
                """);
    }

    @Test
    void headerIndexIsAnUnsignedWordAllThirtyTwoBitsWide() {
        assertWire(new Response.ChangeHeader(0x80000001, "Subject", "Hello"), """
                00:00:00:13              # length 19
                6d                       # 'm'
                80:00:00:01              # index 2^31 + 1 (past the end: append)
                53:75:62:6a:65:63:74:00  # "Subject"
                48:65:6c:6c:6f:00        # "Hello"
                """);
    }

    @Test
    void replaceBodyIsRawBytesWithoutTerminator() {
        assertWire(Response.ReplaceBody.of("New\r\n".getBytes()), """
                00:00:00:06      # length 6
                62               # 'b'
                4e:65:77:0d:0a   # "New" CRLF, no NUL
                """);
    }

    @Test
    void addRecipientIsTheAddress() {
        assertWire(new Response.AddRecipient("<carol@example.com>"), """
                00:00:00:15                                                 # length 21
                2b                                                          # '+'
                3c:63:61:72:6f:6c:40:65:78:61:6d:70:6c:65:2e:63:6f:6d:3e:00 # "<carol@example.com>"
                """);
    }

    @Test
    void addRecipientWithArgsSendsTheArgumentsAsOneString() {
        assertWire(new Response.AddRecipientWithArgs("<dave@example.com>", "NOTIFY=SUCCESS"), """
                00:00:00:23                                              # length 35
                32                                                       # '2'
                3c:64:61:76:65:40:65:78:61:6d:70:6c:65:2e:63:6f:6d:3e:00 # "<dave@example.com>"
                4e:4f:54:49:46:59:3d:53:55:43:43:45:53:53:00             # "NOTIFY=SUCCESS"
                """);
    }

    @Test
    void addRecipientWithEmptyArgsLeavesTheArgumentStringOut() {
        assertWire(new Response.AddRecipientWithArgs("<dave@example.com>", ""), """
                00:00:00:14                                              # length 20
                32                                                       # '2'
                3c:64:61:76:65:40:65:78:61:6d:70:6c:65:2e:63:6f:6d:3e:00 # "<dave@example.com>"
                """);
    }

    @Test
    void addRecipientWithAnEmptyArgumentStringOnTheWireDecodesAsNoArguments() {
        Response decoded = ResponseCodec.decode(Wire.packet(hex("""
                00:00:00:06   # length 6
                32            # '2'
                3c:78:3e:00   # "<x>"
                00            # "": present but empty
                """)));
        assertEquals(new Response.AddRecipientWithArgs("<x>", ""), decoded);
    }

    @Test
    void deleteRecipientIsTheAddress() {
        assertWire(new Response.DeleteRecipient("<bob@example.net>"), """
                00:00:00:13                                           # length 19
                2d                                                    # '-'
                3c:62:6f:62:40:65:78:61:6d:70:6c:65:2e:6e:65:74:3e:00 # "<bob@example.net>"
                """);
    }

    @Test
    void changeFromSendsTheArgumentsAsOneString() {
        assertWire(new Response.ChangeFrom("<bounce@example.org>", "SIZE=1000"), """
                00:00:00:20                                                    # length 32
                65                                                             # 'e'
                3c:62:6f:75:6e:63:65:40:65:78:61:6d:70:6c:65:2e:6f:72:67:3e:00 # "<bounce@example.org>"
                53:49:5a:45:3d:31:30:30:30:00                                  # "SIZE=1000"
                """);
    }

    @Test
    void changeFromWithoutArgumentsIsTheSenderAlone() {
        assertWire(new Response.ChangeFrom("<bounce@example.org>"), """
                00:00:00:16                                                    # length 22
                65                                                             # 'e'
                3c:62:6f:75:6e:63:65:40:65:78:61:6d:70:6c:65:2e:6f:72:67:3e:00 # "<bounce@example.org>"
                """);
    }

    @Test
    void quarantineIsTheReason() {
        assertWire(new Response.Quarantine("suspicious"), """
                00:00:00:0c                      # length 12
                71                               # 'q'
                73:75:73:70:69:63:69:6f:75:73:00 # "suspicious"
                """);
    }

    @Test
    void encodeAllConcatenatesFramesInOrder() {
        ByteBuffer all = ResponseCodec.encodeAll(List.of(
                new Response.AddHeader("X-Spam", "no"),
                new Response.DeleteRecipient("<x>"),
                new Response.Continue()));
        assertEquals(Wire.show(hex("""
                00:00:00:0b:68:58:2d:53:70:61:6d:00:6e:6f:00  # 'h' "X-Spam" "no"
                00:00:00:05:2d:3c:78:3e:00                    # '-' "<x>"
                00:00:00:01:63                                # 'c'
                """)), Wire.show(Wire.bytes(all)));
    }

    @Test
    void everyModificationNamesTheActionThatPermitsIt() {
        assertEquals(Action.ADD_HEADERS, new Response.AddHeader("a", "b").requiredAction());
        assertEquals(Action.ADD_HEADERS, new Response.InsertHeader(0, "a", "b").requiredAction());
        assertEquals(Action.CHANGE_HEADERS, new Response.ChangeHeader(1, "a", "b").requiredAction());
        assertEquals(Action.CHANGE_BODY, Response.ReplaceBody.of(new byte[0]).requiredAction());
        assertEquals(Action.ADD_RECIPIENTS, new Response.AddRecipient("a").requiredAction());
        assertEquals(Action.ADD_RECIPIENTS_WITH_ARGS, new Response.AddRecipientWithArgs("a", "").requiredAction());
        assertEquals(Action.DELETE_RECIPIENTS, new Response.DeleteRecipient("a").requiredAction());
        assertEquals(Action.CHANGE_FROM, new Response.ChangeFrom("a").requiredAction());
        assertEquals(Action.QUARANTINE, new Response.Quarantine("a").requiredAction());
    }
}
