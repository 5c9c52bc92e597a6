package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.testing.FakeSession.State;
import dev.miltermanager.transport.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out a {@link FakeReply} on a connection: waits (sending progress on schedule), then writes, closes or
 * stays silent, recording each step before it happens so that a peer who sees it also finds it in the record.
 */
final class ReplyWriter {
    /** How carrying out a reply ended. */
    enum Outcome {
        /** Done; read the next command. */
        GO_ON,
        /** The reply closed the connection. */
        CLOSED,
        /** The peer hung up while the fake waited to reply. */
        PEER_GONE
    }

    private final Connection connection;
    private final WatchedInput input;
    private final SessionRecord record;
    private final Duration pauseBetweenWrites;

    /** @param pauseBetweenWrites {@code null} to write all of a reply's responses at once */
    ReplyWriter(Connection connection, WatchedInput input, SessionRecord record, Duration pauseBetweenWrites) {
        this.connection = connection;
        this.input = input;
        this.record = record;
        this.pauseBetweenWrites = pauseBetweenWrites;
    }

    /**
     * Carries out a reply.
     *
     * @param edits modifications to send before the reply's responses
     * @param suppressResponses whether responses are left out (the stage was negotiated as "no reply")
     * @return whether to go on, or why not
     */
    Outcome perform(FakeReply reply, List<Response> edits, boolean suppressResponses) throws IOException,
            InterruptedException {
        if (!waitAndProgress(reply, suppressResponses)) {
            return Outcome.PEER_GONE;
        }
        switch (reply.kind()) {
            case RESPOND -> {
                if (suppressResponses) {
                    record.note("no reply: the stage was negotiated as no-reply (" + reply + " not sent)");
                } else {
                    List<Response> all = new ArrayList<>(edits);
                    all.addAll(reply.responses());
                    send(all);
                }
            }
            case RAW -> {
                record.wrote(reply.toString());
                connection.write(ByteBuffer.wrap(reply.rawBytes()));
            }
            case CLOSE -> {
                record.end(State.FAKE_CLOSED);
                connection.close();
                return Outcome.CLOSED;
            }
            case SILENCE -> record.note("silence: no reply sent");
        }
        return Outcome.GO_ON;
    }

    /** Waits out the reply's delay, sending progress on schedule; false if the peer hung up meanwhile. */
    private boolean waitAndProgress(FakeReply reply, boolean suppress) throws IOException, InterruptedException {
        if (reply.delay().isZero()) {
            return true;
        }
        long start = System.nanoTime();
        int progress = reply.progressCount();
        for (int k = 1; k <= progress; k++) {
            if (input.peerGoneBefore(start + k * reply.progressInterval().toNanos())) {
                return false;
            }
            if (!suppress) {
                send(List.of(new Response.Progress()));
            }
        }
        return !input.peerGoneBefore(start + reply.delay().toNanos());
    }

    private void send(List<Response> responses) throws IOException, InterruptedException {
        if (pauseBetweenWrites == null || responses.size() < 2) {
            record.sent(responses);
            connection.write(ResponseCodec.encodeAll(responses));
            return;
        }
        for (int i = 0; i < responses.size(); i++) {
            if (i > 0 && !pauseBetweenWrites.isZero()) {
                Thread.sleep(pauseBetweenWrites);
            }
            record.sent(List.of(responses.get(i)));
            connection.write(ResponseCodec.encode(responses.get(i)));
        }
    }
}
