package dev.miltermanager.protocol;

import static dev.miltermanager.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Packets whose data does not fit their code: each is refused with a specific exception that says why. */
class MalformedPacketTest {

    private static void assertCommandRefused(Class<? extends MilterProtocolException> type, String message,
            String commentedHex) {
        assertRefused(type, message, () -> CommandCodec.decode(Wire.packet(hex(commentedHex))));
    }

    private static void assertResponseRefused(Class<? extends MilterProtocolException> type, String message,
            String commentedHex) {
        assertRefused(type, message, () -> ResponseCodec.decode(Wire.packet(hex(commentedHex))));
    }

    private static void assertRefused(Class<? extends Throwable> type, String message, Executable decode) {
        Throwable thrown = assertThrows(type, decode);
        assertEquals(message, thrown.getMessage());
    }

    // ---- unknown codes

    @Test
    void unknownCommandCodeIsNamedAsCharacterAndHex() {
        assertCommandRefused(UnknownPacketException.class, "unknown command code 'Z' (0x5a)",
                "00:00:00:01 # length 1\n5a # 'Z'");
    }

    @Test
    void unprintableCommandCodeIsNamedInHexOnly() {
        assertCommandRefused(UnknownPacketException.class, "unknown command code 0x00",
                "00:00:00:01 # length 1\n00 # NUL");
    }

    @Test
    void responseCodeIsNotACommand() {
        UnknownPacketException e = assertThrows(UnknownPacketException.class,
                () -> CommandCodec.decode(Wire.packet(hex("00:00:00:01 # length 1\n63 # 'c'"))));
        assertEquals("unknown command code 'c' (0x63)", e.getMessage());
        assertEquals('c', e.code());
    }

    @Test
    void setSymListIsNeverAResponsePacket() {
        assertResponseRefused(UnknownPacketException.class, "unknown response code 'l' (0x6c)",
                "00:00:00:01 # length 1\n6c # 'l': macro lists travel inside 'O'");
    }

    @Test
    void commandCodeIsNotAResponse() {
        assertResponseRefused(UnknownPacketException.class, "unknown response code 'C' (0x43)",
                "00:00:00:01 # length 1\n43 # 'C'");
    }

    // ---- strings

    @Test
    void stringWithoutItsNulIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'H' (0x48): HELO name is not NUL-terminated", """
                00:00:00:04   # length 4
                48            # 'H'
                61:62:63      # "abc" and no NUL
                """);
    }

    @Test
    void secondStringRunningPastTheEndIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'L' (0x4c): header value is not NUL-terminated", """
                00:00:00:0e              # length 14
                4c                       # 'L'
                53:75:62:6a:65:63:74:00  # "Subject"
                48:65:6c:6c:6f           # "Hello" runs to the end
                """);
    }

    @Test
    void headerWithNameButNoValueIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'L' (0x4c): missing header value", """
                00:00:00:09              # length 9
                4c                       # 'L'
                53:75:62:6a:65:63:74:00  # "Subject", then nothing
                """);
    }

    @Test
    void emptyHeloIsMissingItsName() {
        assertCommandRefused(MalformedPacketException.class, "command 'H' (0x48): missing HELO name",
                "00:00:00:01 # length 1\n48 # 'H'");
    }

    @Test
    void unknownWithoutNulIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'U' (0x55): command line is not NUL-terminated",
                "00:00:00:05 # length 5\n55 # 'U'\n56:52:46:59 # \"VRFY\"");
    }

    // ---- connect

    @Test
    void connectWithAnUnknownFamilyIsRefused() {
        assertCommandRefused(MalformedPacketException.class,
                "unknown address family 'X' (0x58) (expected '4', '6', 'L' or 'U')", """
                00:00:00:09    # length 9
                43             # 'C'
                68:6f:73:74:00 # "host"
                58             # family 'X'
                00:19          # port 25
                """);
    }

    @Test
    void connectWithoutFamilyIsRefused() {
        assertCommandRefused(MalformedPacketException.class,
                "command 'C' (0x43): too short for address family (0 of 1 bytes)", """
                00:00:00:06    # length 6
                43             # 'C'
                68:6f:73:74:00 # "host", then nothing
                """);
    }

    @Test
    void connectWithHalfAPortIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'C' (0x43): too short for port (1 of 2 bytes)", """
                00:00:00:08    # length 8
                43             # 'C'
                68:6f:73:74:00 # "host"
                34             # family '4'
                00             # one byte of port
                """);
    }

    @Test
    void connectWithoutAddressIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'C' (0x43): missing address", """
                00:00:00:09    # length 9
                43             # 'C'
                68:6f:73:74:00 # "host"
                34             # family '4'
                00:19          # port 25, then nothing
                """);
    }

    @Test
    void connectOfUnknownFamilyWithAPortAfterwardsIsRefused() {
        assertCommandRefused(MalformedPacketException.class,
                "command 'C' (0x43): 2 unexpected bytes after the last field", """
                00:00:00:09    # length 9
                43             # 'C'
                68:6f:73:74:00 # "host"
                55             # family 'U': nothing may follow
                00:19          # a port
                """);
    }

    // ---- macros

    @Test
    void emptyMacroPacketLacksItsCommandCode() {
        assertCommandRefused(MalformedPacketException.class,
                "command 'D' (0x44): too short for macro command code (0 of 1 bytes)", "00:00:00:01 # length 1\n44 # 'D'");
    }

    @Test
    void macroWithANameButNoValueIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'D' (0x44): macro j has no value", """
                00:00:00:04   # length 4
                44            # 'D'
                43            # for 'C'
                6a:00         # "j", then nothing
                """);
    }

    @Test
    void macroValueWithoutNulIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'D' (0x44): macro value is not NUL-terminated", """
                00:00:00:06   # length 6
                44            # 'D'
                43            # for 'C'
                6a:00         # "j"
                6d:78         # "mx" runs to the end
                """);
    }

    @Test
    void macrosForACodeThatIsNotOneByteCannotBeBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Command.Macros('\u0143', Map.of("j", "x")));
        assertEquals("macro command code must be one byte: 0x143", e.getMessage());
    }

    // ---- argv commands

    @Test
    void mailWithNoStringsIsMissingItsSender() {
        assertCommandRefused(MalformedPacketException.class, "command 'M' (0x4d): missing sender",
                "00:00:00:01 # length 1\n4d # 'M'");
    }

    @Test
    void recipientWithNoStringsIsMissingItsRecipient() {
        assertCommandRefused(MalformedPacketException.class, "command 'R' (0x52): missing recipient",
                "00:00:00:01 # length 1\n52 # 'R'");
    }

    @Test
    void esmtpArgumentWithoutNulIsNamedAsAnArgument() {
        assertCommandRefused(MalformedPacketException.class,
                "command 'M' (0x4d): ESMTP argument is not NUL-terminated", """
                00:00:00:09    # length 9
                4d             # 'M'
                3c:78:3e:00    # "<x>"
                53:49:5a:45    # "SIZE" runs to the end
                """);
    }

    // ---- negotiation

    @Test
    void negotiateShorterThanTwelveBytesIsRefused() {
        assertCommandRefused(MalformedPacketException.class,
                "command 'O' (0x4f): too short for protocol flags (2 of 4 bytes)", """
                00:00:00:0b   # length 11: 10 bytes of data
                4f            # 'O'
                00:00:00:06   # version
                00:00:01:ff   # actions
                00:1f         # half the protocol word
                """);
    }

    @Test
    void negotiateReplyShorterThanTwelveBytesIsRefused() {
        assertResponseRefused(MalformedPacketException.class,
                "response 'O' (0x4f): too short for actions (3 of 4 bytes)", """
                00:00:00:08   # length 8: 7 bytes of data
                4f            # 'O'
                00:00:00:06   # version
                00:00:01      # three bytes of actions
                """);
    }

    @Test
    void negotiateReplyWithAnUnknownMacroStageIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "unknown macro stage 7 (expected 0..6)", """
                00:00:00:13   # length 19
                4f            # 'O'
                00:00:00:06   # version
                00:00:01:00   # actions
                00:00:00:00   # protocol
                00:00:00:07   # stage 7: there is none
                6a:00         # "j"
                """);
    }

    @Test
    void macroStageIsShownUnsigned() {
        assertResponseRefused(MalformedPacketException.class, "unknown macro stage 4294967295 (expected 0..6)", """
                00:00:00:13   # length 19
                4f            # 'O'
                00:00:00:06   # version
                00:00:01:00   # actions
                00:00:00:00   # protocol
                ff:ff:ff:ff   # stage 2^32 - 1
                6a:00         # "j"
                """);
    }

    @Test
    void negotiateReplyWithAStageButNoListIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response 'O' (0x4f): missing macro list", """
                00:00:00:11   # length 17
                4f            # 'O'
                00:00:00:06   # version
                00:00:01:00   # actions
                00:00:00:00   # protocol
                00:00:00:01   # SMFIM_HELO, then nothing
                """);
    }

    @Test
    void negotiateReplyWithAPartialStageWordIsRefused() {
        assertResponseRefused(MalformedPacketException.class,
                "response 'O' (0x4f): too short for macro stage (2 of 4 bytes)", """
                00:00:00:0f   # length 15
                4f            # 'O'
                00:00:00:06   # version
                00:00:01:00   # actions
                00:00:00:00   # protocol
                00:00         # half a stage word
                """);
    }

    // ---- trailing bytes

    @Test
    void bareCommandWithDataIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'A' (0x41): 1 unexpected bytes after the last field",
                "00:00:00:02 # length 2\n41 # 'A'\n00 # one byte too many");
    }

    @Test
    void headerWithAThirdStringIsRefused() {
        assertCommandRefused(MalformedPacketException.class, "command 'L' (0x4c): 2 unexpected bytes after the last field",
                """
                00:00:00:07   # length 7
                4c            # 'L'
                61:00         # "a"
                62:00         # "b"
                63:00         # "c": one string too many
                """);
    }

    @Test
    void bareResponseWithDataIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response 'c' (0x63): 3 unexpected bytes after the last field",
                "00:00:00:04 # length 4\n63 # 'c'\n6f:6b:00 # \"ok\"");
    }

    @Test
    void changeFromWithAThirdStringIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response 'e' (0x65): 2 unexpected bytes after the last field",
                """
                00:00:00:09   # length 9
                65            # 'e'
                3c:78:3e:00   # "<x>"
                61:00         # "a": the arguments
                62:00         # "b": one string too many
                """);
    }

    // ---- response fields

    @Test
    void insertHeaderShorterThanItsIndexIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response 'i' (0x69): too short for index (3 of 4 bytes)",
                "00:00:00:04 # length 4\n69 # 'i'\n00:00:00 # three bytes");
    }

    @Test
    void changeHeaderWithoutValueIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response 'm' (0x6d): missing header value", """
                00:00:00:07   # length 7
                6d            # 'm'
                00:00:00:01   # index 1
                61:00         # "a", then nothing
                """);
    }

    @Test
    void emptyReplyCodeIsMissingItsReply() {
        assertResponseRefused(MalformedPacketException.class, "response 'y' (0x79): missing reply",
                "00:00:00:01 # length 1\n79 # 'y'");
    }

    @Test
    void replyCodeThatIsNotAFailureIsRefused() {
        assertResponseRefused(SmtpReply.InvalidReplyException.class,
                "reply line \"250 ok\" does not start with a 4xx or 5xx code",
                "00:00:00:08 # length 8\n79 # 'y'\n32:35:30:20:6f:6b:00 # \"250 ok\"");
    }

    @Test
    void addRecipientWithoutNulIsRefused() {
        assertResponseRefused(MalformedPacketException.class, "response '+' (0x2b): recipient is not NUL-terminated",
                "00:00:00:04 # length 4\n2b # '+'\n3c:78:3e # \"<x>\" runs to the end");
    }

    // ---- what cannot be encoded

    @Test
    void nulInsideAStringCannotBeEncoded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResponseCodec.encode(new Response.AddHeader("X-A\0B", "v")));
        assertEquals("header name must not contain a NUL character", e.getMessage());
    }

    @Test
    void nulInsideAnEsmtpArgumentCannotBeEncoded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.encode(new Command.MailFrom("<x>", List.of("A\0B"))));
        assertEquals("ESMTP argument must not contain a NUL character", e.getMessage());
    }

    @Test
    void packetCodeMustBeOneByte() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Packet.of('\u0100'));
        assertEquals("packet code must be one byte: 0x100", e.getMessage());
    }

    @Test
    void unknownFamilyCannotCarryAnAddress() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Command.Connect("h", Command.Family.UNKNOWN, 25, "192.0.2.1"));
        assertEquals("an unknown family carries no port and no address", e.getMessage());
    }

    @Test
    void portOutsideSixteenBitsCannotBeBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Command.Connect("h", Command.Family.INET, 65536, "192.0.2.1"));
        assertEquals("port out of range: 65536", e.getMessage());
    }
}
