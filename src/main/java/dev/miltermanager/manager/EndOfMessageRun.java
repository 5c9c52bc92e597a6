package dev.miltermanager.manager;

import dev.miltermanager.manager.ChildSession.EndOfMessageOutcome;
import dev.miltermanager.manager.ChildSession.Outcome;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * End of message: each child taking part, in order, gets end of message — the replayed ones first get the message
 * as the earlier children left it (their header edits and replaced body). Recipient changes and progress go to the
 * MTA at once; the rest is merged: the replaced body, the minimal header diff, the last change of sender and
 * quarantine, then the folded verdict, all returned together for one write.
 */
final class EndOfMessageRun {
    /** The most of a replaced body held in memory for one write to the MTA. */
    static final long REPLACED_BODY_WRITE_BYTES = 1024 * 1024;

    private final FanOutSession session;
    private final MessageState message;
    private final ResponseSink sink;
    private final HeaderList original;
    private final HeaderList working;
    private BodyBuffer replacedBody;
    private Response.ChangeFrom changeFrom;
    private Response.Quarantine quarantine;

    EndOfMessageRun(FanOutSession session, MessageState message, ResponseSink sink) {
        this.session = session;
        this.message = message;
        this.sink = sink;
        this.original = message.originalHeaders();
        this.working = original.copy();
    }

    /** Runs every child; returns the responses for the MTA, the verdict last. */
    List<Response> run() {
        try {
            Fold fold = new Fold(Status.ACCEPT);
            Command.EndOfMessage eom = new Command.EndOfMessage();
            for (ChildSession child : session.children()) {
                if (session.clientGone()) {
                    break; // the connection check found the SMTP client gone: no child gets the message any more
                }
                Outcome held = message.held(child);
                if (held == null && !child.inMessage()) {
                    continue;
                }
                // a held in-step answer counts in its turn, as if the child had been replayed the message now
                Outcome stopped = held != null ? held : message.isInStep(child) ? null : replay(child);
                if (stopped != null) {
                    if (stopped.effective() == Status.ACCEPT) {
                        child.leaveMessage();
                    }
                    fold.add(stopped);
                } else if (child.inMessage() && !session.applicable(Stage.EOM, eom, List.of(child)).isEmpty()) {
                    EndOfMessageOutcome result = child.endOfMessage(message.eomMacros(), r -> forward(child, r));
                    if (result.result() != null && !child.config.evaluationMode()) {
                        apply(child, result.result().modifications());
                    }
                    fold.add(result.outcome());
                }
                if (fold.status().isFinal()) {
                    return List.of(session.endMessageWith(fold.toDecision()));
                }
            }
            return finalResponses();
        } finally {
            closeReplacedBody();
        }
    }

    /** Replays headers, end of headers and body; returns the answer that stopped the child early, or null. */
    private Outcome replay(ChildSession child) {
        for (HeaderField h : working.visible()) {
            Command.Header header = new Command.Header(h.name(), h.value());
            if (session.applicable(Stage.HEADER, header, List.of(child)).isEmpty()) {
                return null;
            }
            Outcome o = child.send(Stage.HEADER, new Command.Header(h.name(), session.valueFor(child, h.value())),
                    Map.of());
            if (o.effective() != Status.CONTINUE) {
                return o;
            }
        }
        Command.EndOfHeaders eoh = new Command.EndOfHeaders();
        if (session.applicable(Stage.EOH, eoh, List.of(child)).isEmpty()) {
            return null;
        }
        Outcome o = child.send(Stage.EOH, eoh, message.eohMacros());
        if (o.effective() != Status.CONTINUE) {
            return o;
        }
        return replayBody(child);
    }

    private Outcome replayBody(ChildSession child) {
        BodyBuffer body = replacedBody != null ? replacedBody : message.body();
        if (body == null) {
            return null;
        }
        Outcome[] stop = new Outcome[1];
        try {
            body.forEachChunk(session.runtime.config().chunkSize(), chunk -> {
                Outcome o = child.body(chunk);
                if (o.effective() == Status.SKIP) {
                    return false;
                }
                if (o.effective() != Status.CONTINUE) {
                    stop[0] = o;
                    return false;
                }
                return child.inMessage();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay the message body to " + child.name(), e);
        }
        return stop[0];
    }

    /** Recipient changes and progress go to the MTA as soon as a child sends them. */
    private void forward(ChildSession child, Response response) {
        switch (response) {
            case Response.Progress p -> sink.send(List.of(p));
            case Response.AddRecipient r -> forwardEdit(child, r);
            case Response.AddRecipientWithArgs r -> forwardEdit(child, r);
            case Response.DeleteRecipient r -> forwardEdit(child, r);
            default -> {
            }
        }
    }

    private void forwardEdit(ChildSession child, Response edit) {
        if (!child.config.evaluationMode()) {
            sink.send(List.of(edit));
        }
    }

    private void apply(ChildSession child, List<Response.Modification> modifications) {
        BodyBuffer newBody = null;
        try {
            for (Response.Modification m : modifications) {
                switch (m) {
                    case Response.AddHeader h -> working.apply(
                            new Response.AddHeader(h.name(), session.valueFromChild(child, h.value())));
                    case Response.InsertHeader h -> working.apply(
                            new Response.InsertHeader(h.index(), h.name(), session.valueFromChild(child, h.value())));
                    case Response.ChangeHeader h -> working.apply(
                            new Response.ChangeHeader(h.index(), h.name(), session.valueFromChild(child, h.value())));
                    case Response.ReplaceBody b -> {
                        if (newBody == null) {
                            newBody = newBodyBuffer();
                        }
                        newBody.append(b.chunk());
                    }
                    case Response.ChangeFrom f -> changeFrom = f;
                    case Response.Quarantine q -> quarantine = q;
                    case Response.AddRecipient r -> {
                    }
                    case Response.AddRecipientWithArgs r -> {
                    }
                    case Response.DeleteRecipient r -> {
                    }
                }
            }
        } catch (IOException e) {
            closeQuietly(newBody);
            throw new UncheckedIOException("cannot keep the body " + child.name() + " replaced", e);
        }
        if (newBody != null) {
            closeReplacedBody();
            replacedBody = newBody;
        }
    }

    private BodyBuffer newBodyBuffer() {
        MilterManagerConfig config = session.runtime.config();
        return new BodyBuffer(config.maxBodyBytesInMemory(), config.temporaryDirectory());
    }

    /**
     * The responses that end the message: the replaced body, the header diff, the last change of sender and
     * quarantine, and continue. They leave in one write, except a replaced body larger than
     * {@link #REPLACED_BODY_WRITE_BYTES}: it is read back from its buffer (perhaps a file) and written ahead in
     * pieces of about that size, so no more of it is in memory at once.
     */
    private List<Response> finalResponses() {
        List<Response> responses = new ArrayList<>();
        if (replacedBody != null) {
            boolean inPieces = replacedBody.size() > REPLACED_BODY_WRITE_BYTES;
            long[] pending = {0};
            try {
                replacedBody.forEachChunk(session.runtime.config().chunkSize(), chunk -> {
                    ByteBuffer copy = ByteBuffer.allocate(chunk.remaining()).put(chunk).flip();
                    responses.add(new Response.ReplaceBody(copy));
                    pending[0] += copy.remaining();
                    if (inPieces && pending[0] >= REPLACED_BODY_WRITE_BYTES) {
                        sink.send(List.copyOf(responses));
                        responses.clear();
                        pending[0] = 0;
                    }
                    return true;
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the replaced body back", e);
            }
            if (replacedBody.size() == 0) {
                responses.add(new Response.ReplaceBody(ByteBuffer.allocate(0)));
            }
        }
        responses.addAll(working.diffFrom(original));
        if (changeFrom != null) {
            responses.add(changeFrom);
        }
        if (quarantine != null) {
            responses.add(quarantine);
        }
        responses.add(new Response.Continue());
        return responses;
    }

    private void closeReplacedBody() {
        closeQuietly(replacedBody);
        replacedBody = null;
    }

    private static void closeQuietly(BodyBuffer buffer) {
        if (buffer != null) {
            buffer.close();
        }
    }
}
