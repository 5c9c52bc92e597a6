package dev.miltermanager.protocol;

import dev.miltermanager.testsupport.SeededProperty;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Random commands and responses survive encoding and decoding, alone and as a stream read in random pieces. */
class CodecRoundTripPropertyTest {

    @Test
    void everyCommandDecodesToWhatWasEncoded() {
        SeededProperty.check(2000, random -> {
            Command command = RandomMessages.command(random);
            byte[] frame = Wire.bytes(CommandCodec.encode(command));
            Command decoded = CommandCodec.decode(Wire.packet(frame));
            assertEquals(command, decoded);
            assertEquals(Wire.show(frame), Wire.show(Wire.bytes(CommandCodec.encode(decoded))), "encoded again");
        });
    }

    @Test
    void everyResponseDecodesToWhatWasEncoded() {
        SeededProperty.check(2000, random -> {
            Response response = RandomMessages.response(random);
            byte[] frame = Wire.bytes(ResponseCodec.encode(response));
            Response decoded = ResponseCodec.decode(Wire.packet(frame));
            assertEquals(response, decoded);
            assertEquals(Wire.show(frame), Wire.show(Wire.bytes(ResponseCodec.encode(decoded))), "encoded again");
        });
    }

    @Test
    void aSessionOfCommandsReadInRandomPiecesDecodesInOrder() {
        SeededProperty.check(100, random -> {
            List<Command> sent = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = random.nextInt(1, 30); i > 0; i--) {
                Command command = RandomMessages.command(random);
                sent.add(command);
                stream.writeBytes(Wire.bytes(CommandCodec.encode(command)));
            }
            PacketReader in = new PacketReader(
                    new PacketReaderTest.ChoppyInputStream(stream.toByteArray(), random, random.nextInt(1, 100)),
                    PacketLimits.MDS_1M_DATA_BYTES);
            List<Command> received = new ArrayList<>();
            for (Packet p = read(in); p != null; p = read(in)) {
                received.add(CommandCodec.decode(p));
            }
            assertEquals(sent, received);
        });
    }

    @Test
    void anEndOfMessageReplyReadInRandomPiecesDecodesInOrder() {
        SeededProperty.check(100, random -> {
            List<Response> sent = new ArrayList<>();
            for (int i = random.nextInt(0, 20); i > 0; i--) {
                sent.add(RandomMessages.response(random));
            }
            sent.add(new Response.Continue());
            byte[] wire = Wire.bytes(ResponseCodec.encodeAll(sent));
            PacketReader in = new PacketReader(new PacketReaderTest.ChoppyInputStream(wire, random,
                    random.nextInt(1, 100)), PacketLimits.DEFAULT_MILTER_DATA_BYTES);
            List<Response> received = new ArrayList<>();
            for (Packet p = read(in); p != null; p = read(in)) {
                received.add(ResponseCodec.decode(p));
            }
            assertEquals(sent, received);
        });
    }

    private static Packet read(PacketReader in) {
        try {
            return in.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
