package dev.miltermanager.manager;

import dev.miltermanager.manager.ChildSession.Outcome;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One message as the MTA sent it: its headers, its body (kept only when a child will need it replayed), the
 * macros of end of headers and end of message, and how the children split into those fed in step with the MTA and
 * those replayed to at end of message. Session thread only.
 */
final class MessageState implements AutoCloseable {
    private final MilterManagerConfig config;
    private final boolean postfix;
    private final List<HeaderField> headers = new ArrayList<>();
    private BodyBuffer body;
    private Map<String, String> eohMacros = Map.of();
    private Map<String, String> eomMacros = Map.of();
    private List<ChildSession> inStep;
    private List<ChildSession> replayed = List.of();
    private final Map<ChildSession, Outcome> held = new HashMap<>();
    private Response.Decision finalDecision;

    MessageState(MilterManagerConfig config, boolean postfix) {
        this.config = config;
        this.postfix = postfix;
    }

    /**
     * Splits the children taking part into the in-step group and the replayed ones. Children up to and including the
     * first that may modify the message all see the message as the MTA sent it, so they are fed in step, in
     * parallel; every later child must see the edits of the earlier ones and is replayed the message at end of
     * message, one after the other.
     */
    void split(List<ChildSession> taking) {
        int cut = taking.size();
        for (int i = 0; i < taking.size(); i++) {
            if (taking.get(i).modifies()) {
                cut = i + 1;
                break;
            }
        }
        inStep = List.copyOf(taking.subList(0, cut));
        replayed = List.copyOf(taking.subList(cut, taking.size()));
        if (!replayed.isEmpty()) {
            body = new BodyBuffer(config.maxBodyBytesInMemory(), config.temporaryDirectory());
        }
    }

    /** The in-step children, or {@code null} before {@link #split}. */
    List<ChildSession> inStep() {
        return inStep;
    }

    boolean isInStep(ChildSession child) {
        return inStep.contains(child);
    }

    /**
     * Keeps the final answer (reject, temporary failure, discard, or a failure's final fallback) of an in-step child
     * that an earlier child still in the message may yet overrule: in the sequential chain the earlier child runs
     * the whole message first, so its own final answer, even at a later event, comes first. The child is fed no
     * more; the answer counts when its turn comes, at the latest at end of message.
     */
    void hold(Outcome outcome) {
        held.put(outcome.child(), outcome);
    }

    /** The held final answer of {@code child}, or {@code null}. */
    Outcome held(ChildSession child) {
        return held.get(child);
    }

    boolean isHeld(ChildSession child) {
        return held.containsKey(child);
    }

    /**
     * Records a message event from the MTA.
     *
     * @throws UncheckedIOException when the body cannot be kept (temporary file trouble)
     */
    void record(Command event, Map<String, String> macros) {
        switch (event) {
            case Command.Header h -> headers.add(new HeaderField(h.name(), h.value()));
            case Command.Body b -> append(b);
            case Command.EndOfHeaders e -> eohMacros = macros;
            case Command.EndOfMessage e -> eomMacros = macros;
            default -> {
            }
        }
    }

    private void append(Command.Body chunk) {
        if (body == null) {
            return;
        }
        try {
            body.append(chunk.chunk());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the message body for the later child milters", e);
        }
    }

    /** The headers as the MTA sent them, with Postfix's hidden Received: header modelled when the MTA is Postfix. */
    HeaderList originalHeaders() {
        return HeaderList.of(headers, postfix);
    }

    /** The body as the MTA sent it, or {@code null} when no child needs it replayed. */
    BodyBuffer body() {
        return body;
    }

    Map<String, String> eohMacros() {
        return eohMacros;
    }

    Map<String, String> eomMacros() {
        return eomMacros;
    }

    /** The decision that ended the message, or {@code null} while it goes on. */
    Response.Decision finalDecision() {
        return finalDecision;
    }

    void finish(Response.Decision decision) {
        finalDecision = decision;
    }

    @Override
    public void close() {
        if (body != null) {
            body.close();
            body = null;
        }
    }
}
