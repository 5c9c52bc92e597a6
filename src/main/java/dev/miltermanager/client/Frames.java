package dev.miltermanager.client;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.PacketLimits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Encodes what the client writes: a command with its macros, and a body cut into chunks. */
final class Frames {
    /** Body chunks written in one call when the milter does not answer them: 16 chunks, just under 1 MiB. */
    static final int CHUNKS_PER_WRITE = 16;

    private Frames() {
    }

    /** The {@code D} packet for {@code command}'s macros (when there are any) followed by the command. */
    static ByteBuffer[] withMacros(Command command, Map<String, String> macros) {
        ByteBuffer frame = CommandCodec.encode(command);
        if (macros.isEmpty()) {
            return new ByteBuffer[] {frame};
        }
        return new ByteBuffer[] {CommandCodec.encode(new Command.Macros(command.code(), macros)), frame};
    }

    /** One command alone. */
    static ByteBuffer[] of(Command command) {
        return new ByteBuffer[] {CommandCodec.encode(command)};
    }

    /** {@code B} packets of at most {@link PacketLimits#CHUNK_BYTES} bytes each over {@code body}, which is not empty. */
    static List<ByteBuffer> bodyChunks(ByteBuffer body) {
        ByteBuffer rest = body.slice();
        List<ByteBuffer> frames = new ArrayList<>(rest.remaining() / PacketLimits.CHUNK_BYTES + 1);
        while (rest.hasRemaining()) {
            int size = Math.min(rest.remaining(), PacketLimits.CHUNK_BYTES);
            ByteBuffer chunk = rest.slice(rest.position(), size);
            rest.position(rest.position() + size);
            frames.add(CommandCodec.encode(new Command.Body(chunk)));
        }
        return frames;
    }
}
