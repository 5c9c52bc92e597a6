package dev.miltermanager.protocol;

import static dev.miltermanager.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each MTA-to-milter command against its exact wire bytes (protocol reference §1.3), both ways. */
class CommandCodecTest {

    /** Encoding gives exactly these bytes, and decoding them gives back an equal command. */
    private static void assertWire(Command command, String commentedHex) {
        byte[] expected = hex(commentedHex);
        assertEquals(Wire.show(expected), Wire.show(Wire.bytes(CommandCodec.encode(command))), "encoded " + command);
        assertEquals(command, CommandCodec.decode(Wire.packet(expected)), "decoded");
    }

    @Test
    void negotiateCarriesVersionActionsAndProtocolAsThreeBigEndianWords() {
        assertWire(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL), """
                00:00:00:0d   # length 13: code + 3 x u32
                4f            # 'O'
                00:00:00:06   # version 6
                00:00:01:ff   # actions SMFI_CURR_ACTS
                00:1f:ff:ff   # protocol SMFI_CURR_PROT
                """);
    }

    @Test
    void macrosNameTheirCommandThenPairNamesWithValues() {
        Map<String, String> macros = new LinkedHashMap<>();
        macros.put("j", "mx.example");
        macros.put("{daemon_name}", "smtpd");
        assertWire(new Command.Macros('C', macros), """
                00:00:00:23                              # length 35
                44                                       # 'D'
                43                                       # for 'C'
                6a:00                                    # "j"
                6d:78:2e:65:78:61:6d:70:6c:65:00         # "mx.example"
                7b:64:61:65:6d:6f:6e:5f:6e:61:6d:65:7d:00 # "{daemon_name}"
                73:6d:74:70:64:00                        # "smtpd"
                """);
    }

    @Test
    void macrosWithNoPairsAreJustTheCommandCode() {
        assertWire(new Command.Macros('E', Map.of()), """
                00:00:00:02   # length 2
                44            # 'D'
                45            # for 'E'
                """);
    }

    @Test
    void connectOverIpv4CarriesHostFamilyPortAndAddress() {
        assertWire(new Command.Connect("client.example", Command.Family.INET, 51234, "192.0.2.1"), """
                00:00:00:1d                                  # length 29
                43                                           # 'C'
                63:6c:69:65:6e:74:2e:65:78:61:6d:70:6c:65:00 # "client.example"
                34                                           # family '4'
                c8:22                                        # port 51234, network order
                31:39:32:2e:30:2e:32:2e:31:00                # "192.0.2.1"
                """);
    }

    @Test
    void connectOverIpv6CarriesTheAddressAsText() {
        assertWire(new Command.Connect("v6.example", Command.Family.INET6, 587, "2001:db8::25"), """
                00:00:00:1c                             # length 28
                43                                      # 'C'
                76:36:2e:65:78:61:6d:70:6c:65:00        # "v6.example"
                36                                      # family '6'
                02:4b                                   # port 587
                32:30:30:31:3a:64:62:38:3a:3a:32:35:00  # "2001:db8::25"
                """);
    }

    @Test
    void connectOverAUnixSocketHasPortZeroAndTheSocketPath() {
        assertWire(new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/smtp.sock"), """
                00:00:00:1d                                  # length 29
                43                                           # 'C'
                6c:6f:63:61:6c:68:6f:73:74:00                # "localhost"
                4c                                           # family 'L'
                00:00                                        # port 0
                2f:72:75:6e:2f:73:6d:74:70:2e:73:6f:63:6b:00 # "/run/smtp.sock"
                """);
    }

    @Test
    void connectOfUnknownFamilyEndsAfterTheFamily() {
        assertWire(Command.Connect.unknown("unknown"), """
                00:00:00:0a              # length 10
                43                       # 'C'
                75:6e:6b:6e:6f:77:6e:00  # "unknown"
                55                       # family 'U': no port, no address
                """);
    }

    @Test
    void heloCarriesTheNameAsOneString() {
        assertWire(new Command.Helo("client.example"), """
                00:00:00:10                                  # length 16
                48                                           # 'H'
                63:6c:69:65:6e:74:2e:65:78:61:6d:70:6c:65:00 # "client.example"
                """);
    }

    @Test
    void mailFromIsAnArgvOfSenderThenEachEsmtpArgument() {
        assertWire(new Command.MailFrom("<alice@example.org>", List.of("SIZE=1024", "BODY=8BITMIME")), """
                00:00:00:2d                                                 # length 45
                4d                                                          # 'M'
                3c:61:6c:69:63:65:40:65:78:61:6d:70:6c:65:2e:6f:72:67:3e:00 # "<alice@example.org>"
                53:49:5a:45:3d:31:30:32:34:00                               # "SIZE=1024"
                42:4f:44:59:3d:38:42:49:54:4d:49:4d:45:00                   # "BODY=8BITMIME"
                """);
    }

    @Test
    void mailFromWithoutArgumentsIsTheSenderAlone() {
        assertWire(new Command.MailFrom("<alice@example.org>"), """
                00:00:00:15                                                 # length 21
                4d                                                          # 'M'
                3c:61:6c:69:63:65:40:65:78:61:6d:70:6c:65:2e:6f:72:67:3e:00 # "<alice@example.org>"
                """);
    }

    @Test
    void recipientIsAnArgvOfRecipientThenEachEsmtpArgument() {
        assertWire(new Command.Recipient("<bob@example.net>", List.of("NOTIFY=NEVER")), """
                00:00:00:20                                           # length 32
                52                                                    # 'R'
                3c:62:6f:62:40:65:78:61:6d:70:6c:65:2e:6e:65:74:3e:00 # "<bob@example.net>"
                4e:4f:54:49:46:59:3d:4e:45:56:45:52:00                # "NOTIFY=NEVER"
                """);
    }

    @Test
    void headerIsNameThenValue() {
        assertWire(new Command.Header("Subject", "Hello"), """
                00:00:00:0f              # length 15
                4c                       # 'L'
                53:75:62:6a:65:63:74:00  # "Subject"
                48:65:6c:6c:6f:00        # "Hello"
                """);
    }

    @Test
    void foldedHeaderValueKeepsItsBareLineFeed() {
        assertWire(new Command.Header("Subject", "a\n b"), """
                00:00:00:0e              # length 14
                4c                       # 'L'
                53:75:62:6a:65:63:74:00  # "Subject"
                61:0a:20:62:00           # "a", LF, " b"
                """);
    }

    @Test
    void bodyChunkIsRawBytesWithoutTerminator() {
        assertWire(Command.Body.of("Hi\r\n".getBytes()), """
                00:00:00:05   # length 5
                42            # 'B'
                48:69:0d:0a   # "Hi" CRLF, no NUL
                """);
    }

    @Test
    void endOfMessageIsUsuallyEmpty() {
        assertWire(new Command.EndOfMessage(), """
                00:00:00:01   # length 1
                45            # 'E'
                """);
    }

    @Test
    void endOfMessageMayCarryALastBodyChunk() {
        assertWire(new Command.EndOfMessage(java.nio.ByteBuffer.wrap("Hi\r\n".getBytes())), """
                00:00:00:05   # length 5
                45            # 'E'
                48:69:0d:0a   # "Hi" CRLF
                """);
    }

    @Test
    void unknownCarriesTheWholeSmtpCommandLine() {
        assertWire(new Command.Unknown("VRFY bob"), """
                00:00:00:0a                 # length 10
                55                          # 'U'
                56:52:46:59:20:62:6f:62:00  # "VRFY bob"
                """);
    }

    @Test
    void dataIsTheBareCode() {
        assertWire(new Command.Data(), "00:00:00:01 # length 1\n54 # 'T'");
    }

    @Test
    void endOfHeadersIsTheBareCode() {
        assertWire(new Command.EndOfHeaders(), "00:00:00:01 # length 1\n4e # 'N'");
    }

    @Test
    void abortIsTheBareCode() {
        assertWire(new Command.Abort(), "00:00:00:01 # length 1\n41 # 'A'");
    }

    @Test
    void quitIsTheBareCode() {
        assertWire(new Command.Quit(), "00:00:00:01 # length 1\n51 # 'Q'");
    }

    @Test
    void quitKeepingTheConnectionIsTheBareCode() {
        assertWire(new Command.QuitNewConnection(), "00:00:00:01 # length 1\n4b # 'K'");
    }

    @Test
    void eightBitHeaderTextThatIsNotUtf8IsForwardedByteForByte() {
        byte[] frame = hex("""
                00:00:00:0a              # length 10
                4c                       # 'L'
                53:75:62:6a:00           # "Subj"
                e9:74:e9:00              # "été" in Latin-1: not UTF-8
                """);
        Command decoded = CommandCodec.decode(Wire.packet(frame));
        assertEquals(Wire.show(frame), Wire.show(Wire.bytes(CommandCodec.encode(decoded))));
    }

    @Test
    void decodedBodyChunkIsAViewOfThePacketNotACopy() {
        // A manager decodes every 64 KiB chunk once per child; a copy per decode would double the cost.
        byte[] data = new byte[PacketLimits.CHUNK_BYTES];
        Command.Body body = (Command.Body) CommandCodec.decode(Packet.of('B', data));
        data[0] = 42;
        assertEquals(42, body.chunk().get(0));
        assertTrue(body.chunk().isReadOnly());
    }

    @Test
    void negotiateIgnoresBytesAfterItsThreeWordsAsLibmilterDoes() {
        Command decoded = CommandCodec.decode(Wire.packet(hex("""
                00:00:00:11   # length 17
                4f            # 'O'
                00:00:00:06   # version 6
                00:00:01:ff   # actions
                00:1f:ff:ff   # protocol
                de:ad:be:ef   # a later extension libmilter skips
                """)));
        assertEquals(new Command.Negotiate(6, 0x1FF, 0x1FFFFF), decoded);
    }
}
