package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.SmtpReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link MessageEditor} of one end-of-message callback: checks each change against the agreed actions and
 * encodes it at once (so a bad value fails the call that made it), and hands the frames to the session when the
 * callback returns.
 */
final class EomEditor implements MessageEditor {
    private final SessionContext context;
    private final ProgressSink progress;
    private final List<ByteBuffer> frames = new ArrayList<>();
    private ByteArrayOutputStream body;
    private int bodyPosition = -1;
    private boolean open = true;

    /** Writes a progress packet at once. */
    @FunctionalInterface
    interface ProgressSink {
        void sendProgress() throws IOException;
    }

    EomEditor(SessionContext context, ProgressSink progress) {
        this.context = context;
        this.progress = progress;
    }

    @Override
    public void addHeader(String name, String value) {
        add(new Response.AddHeader(HeaderRules.name(name), HeaderRules.value(value)));
    }

    @Override
    public void insertHeader(int index, String name, String value) {
        if (index < 0) {
            throw new IllegalArgumentException("header index must be 0 (the top) or more, not " + index);
        }
        add(new Response.InsertHeader(index, HeaderRules.name(name), HeaderRules.value(value)));
    }

    @Override
    public void changeHeader(String name, int index, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("an empty value would delete the header: call deleteHeader");
        }
        add(new Response.ChangeHeader(HeaderRules.index(index), HeaderRules.name(name), HeaderRules.value(value)));
    }

    @Override
    public void deleteHeader(String name, int index) {
        add(new Response.ChangeHeader(HeaderRules.index(index), HeaderRules.name(name), ""));
    }

    @Override
    public void replaceBody(ByteBuffer piece) {
        checkAllowed(Action.CHANGE_BODY);
        if (body == null) {
            body = new ByteArrayOutputStream();
            bodyPosition = frames.size();
        }
        ByteBuffer copy = piece.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        body.writeBytes(bytes);
    }

    @Override
    public void addRecipient(String recipient) {
        add(new Response.AddRecipient(HeaderRules.address(recipient, "recipient")));
    }

    @Override
    public void addRecipient(String recipient, String esmtpArgs) {
        add(new Response.AddRecipientWithArgs(HeaderRules.address(recipient, "recipient"),
                Objects.requireNonNull(esmtpArgs, "esmtpArgs")));
    }

    @Override
    public void deleteRecipient(String recipient) {
        add(new Response.DeleteRecipient(HeaderRules.address(recipient, "recipient")));
    }

    @Override
    public void changeFrom(String sender, String esmtpArgs) {
        add(new Response.ChangeFrom(HeaderRules.address(sender, "sender"),
                Objects.requireNonNull(esmtpArgs, "esmtpArgs")));
    }

    @Override
    public void quarantine(String reason) {
        if (reason.isEmpty()) {
            throw new IllegalArgumentException("a quarantine reason must not be empty");
        }
        add(new Response.Quarantine(reason));
    }

    @Override
    public void progress() {
        checkOpen();
        try {
            progress.sendProgress();
        } catch (IOException e) {
            throw new UncheckedIOException("could not send progress to the MTA", e);
        }
    }

    /** The changes as frames, the body pieces at the place of the first replacement; the editor closes. */
    List<ByteBuffer> finish() {
        open = false;
        if (body == null) {
            return frames;
        }
        List<ByteBuffer> all = new ArrayList<>(frames.subList(0, bodyPosition));
        byte[] bytes = body.toByteArray();
        int offset = 0;
        do {
            int length = Math.min(PacketLimits.CHUNK_BYTES, bytes.length - offset);
            all.add(ResponseCodec.encode(new Response.ReplaceBody(ByteBuffer.wrap(bytes, offset, length))));
            offset += length;
        } while (offset < bytes.length);
        all.addAll(frames.subList(bodyPosition, frames.size()));
        return all;
    }

    /** Drops every change (the callback failed); the editor closes. */
    void discard() {
        open = false;
        frames.clear();
        body = null;
    }

    private void add(Response.Modification change) {
        checkAllowed(change.requiredAction());
        frames.add(ResponseCodec.encode(change));
    }

    private void checkAllowed(Action action) {
        checkOpen();
        if (!context.options().has(action)) {
            throw new IllegalStateException(action + " was not agreed with the MTA (agreed: "
                    + Action.describe(context.options().actions()) + "); declare it in MilterSpec.actions");
        }
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the message editor is only valid during endOfMessage");
        }
    }

    @Override
    public Optional<String> macro(String name) {
        return context.macro(name);
    }

    @Override
    public Map<String, String> macros(MacroStage stage) {
        return context.macros(stage);
    }

    @Override
    public Map<String, String> macros() {
        return context.macros();
    }

    @Override
    public NegotiatedOptions options() {
        return context.options();
    }

    @Override
    public Optional<Command.Connect> client() {
        return context.client();
    }

    @Override
    public void setReply(SmtpReply reply) {
        context.setReply(reply);
    }
}
