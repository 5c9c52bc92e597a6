package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.HEX;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Packet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bytes each call puts on the wire, read back by a fake milter. */
class WireBytesTest {

    @Test
    void everyCommandHasTheExpectedWireBytes() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('D');
            peer.expect('C');
            peer.reply(CONTINUE);
            for (char code : "HMRTLNBUE".toCharArray()) {
                peer.expect(code);
                peer.reply(CONTINUE);
            }
            peer.expect('A');
            peer.expect('K');
            peer.expect('Q');
            peer.expectEnd();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(new Command.Connect("host", Command.Family.INET, 25, "1.2.3.4"), Map.of("j", "mx"));
            client.send(new Command.Helo("mx"));
            client.send(new Command.MailFrom("<a@b>", List.of("SIZE=10")));
            client.send(new Command.Recipient("<c@d>"));
            client.send(new Command.Data());
            client.send(new Command.Header("Subject", "hi"));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.wrap("hi\r\n".getBytes(StandardCharsets.US_ASCII)));
            client.send(new Command.Unknown("HELP"));
            client.endOfMessage();
            client.abort();
            client.quitNewConnection();
            client.quit();
            milter.awaitScript();

            assertEquals(List.of(
                    "00:00:00:0d:4f 00:00:00:06 00:00:01:ff 00:1f:ff:ff", // O: version 6, actions, protocol
                    "00:00:00:07:44 43 6a:00 6d:78:00", // D for 'C': j=mx
                    "00:00:00:11:43 68:6f:73:74:00 34 00:19 31:2e:32:2e:33:2e:34:00", // C host '4' port 25 1.2.3.4
                    "00:00:00:04:48 6d:78:00", // H mx
                    "00:00:00:0f:4d 3c:61:40:62:3e:00 53:49:5a:45:3d:31:30:00", // M <a@b> SIZE=10
                    "00:00:00:07:52 3c:63:40:64:3e:00", // R <c@d>
                    "00:00:00:01:54", // T
                    "00:00:00:0c:4c 53:75:62:6a:65:63:74:00 68:69:00", // L Subject: hi
                    "00:00:00:01:4e", // N
                    "00:00:00:05:42 68:69:0d:0a", // B hi CRLF
                    "00:00:00:06:55 48:45:4c:50:00", // U HELP
                    "00:00:00:01:45", // E
                    "00:00:00:01:41", // A
                    "00:00:00:01:4b", // K
                    "00:00:00:01:51") // Q
                    .stream().map(h -> h.replace(' ', ':')).toList(),
                    frames(milter.received()).stream().map(HEX::formatHex).toList());
            assertFalse(client.isOpen());
        }
    }

    @Test
    void macrosAndTheirCommandLeaveInOneWrite() throws Exception {
        int connectFrame = Packet.LENGTH_BYTES + 1 + 16;
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('D');
            assertTrue(peer.hasBuffered(connectFrame), "the CONNECT packet arrived with its macros");
            peer.expect('C');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(new Command.Connect("host", Command.Family.INET, 25, "1.2.3.4"),
                    Map.of("j", "mx", "{daemon_name}", "smtpd"));
            milter.awaitScript();
        }
    }

    @Test
    void aBodyOverOneChunkIsCutAt65535Bytes() throws Exception {
        byte[] body = new byte[65535 * 2 + 10];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            for (int i = 0; i < 3; i++) {
                peer.expect('B');
                peer.reply(CONTINUE);
            }
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            ByteBuffer buffer = ByteBuffer.wrap(body);
            assertEquals(CONTINUE, client.body(buffer));
            assertEquals(0, buffer.position(), "the caller's buffer is untouched");
            milter.awaitScript();
            List<Packet> chunks = milter.received().subList(1, 4);
            assertEquals(List.of(65535, 65535, 10), chunks.stream().map(Packet::size).toList());
            ByteBuffer reassembled = ByteBuffer.allocate(body.length);
            chunks.forEach(c -> reassembled.put(c.payload()));
            assertArrayEquals(body, reassembled.array());
        }
    }

    @Test
    void anEmptyBodyPieceSendsNothing() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(0)));
            assertEquals(CONTINUE, client.send(Command.Body.of(new byte[0])));
            client.endOfMessage();
            milter.awaitScript();
        }
    }

    private static List<byte[]> frames(List<Packet> packets) {
        List<byte[]> frames = new ArrayList<>();
        for (Packet p : packets) {
            ByteBuffer f = p.toFrame();
            byte[] bytes = new byte[f.remaining()];
            f.get(bytes);
            frames.add(bytes);
        }
        return frames;
    }

}
