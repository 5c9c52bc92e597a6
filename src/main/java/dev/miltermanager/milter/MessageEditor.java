package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import java.nio.ByteBuffer;

/**
 * Changes to the message, available only in {@link Milter#endOfMessage(MessageEditor)} and only while it runs.
 * Each change needs its {@link Action} declared in the {@link MilterSpec} and agreed with the MTA; calling one
 * that was not agreed throws {@link IllegalStateException} (which fails the callback).
 *
 * <p>Changes are collected and sent to the MTA together with the verdict, in one write, in call order, except
 * that all body pieces go out together at the place of the first {@code replaceBody} call (Postfix refuses a body
 * replacement interleaved with other changes). If the callback throws, nothing collected is sent. {@link
 * #progress()} is the exception: it is written at once.
 *
 * {@snippet :
 * public Response.Decision endOfMessage(MessageEditor editor) {
 *     editor.addHeader("X-Scanned-By", "example");
 *     editor.deleteHeader("X-Spam-Flag", 1);
 *     return Verdict.CONTINUE;
 * }
 * }
 *
 * <p>Header values use a bare LF followed by a space or tab to fold lines, never CR. Header indexes are the MTA's:
 * {@link #insertHeader} counts all headers from 0 (the top), {@link #changeHeader} counts the headers of one name
 * from 1.
 *
 * <p>Not thread-safe; invalid once the callback returns.
 */
public interface MessageEditor extends MilterContext {

    /** Appends a header ({@link Action#ADD_HEADERS}). */
    void addHeader(String name, String value);

    /** Inserts a header before the {@code index}-th header, 0 being the top ({@link Action#ADD_HEADERS}). */
    void insertHeader(int index, String name, String value);

    /**
     * Replaces the value of the {@code index}-th header called {@code name}, counting from 1; past the last one,
     * the MTA adds it ({@link Action#CHANGE_HEADERS}).
     */
    void changeHeader(String name, int index, String value);

    /** Deletes the {@code index}-th header called {@code name}, counting from 1 ({@link Action#CHANGE_HEADERS}). */
    void deleteHeader(String name, int index);

    /**
     * Appends to the new body; the first call discards the original body ({@link Action#CHANGE_BODY}). Lines end
     * in CRLF. The body goes out in packets of at most 65535 bytes. The bytes are copied.
     */
    void replaceBody(ByteBuffer piece);

    /** As {@link #replaceBody(ByteBuffer)}. */
    default void replaceBody(byte[] piece) {
        replaceBody(ByteBuffer.wrap(piece));
    }

    /** Adds a recipient ({@link Action#ADD_RECIPIENTS}). */
    void addRecipient(String recipient);

    /**
     * Adds a recipient with ESMTP arguments, space-separated as in {@code "NOTIFY=NEVER ORCPT=rfc822;a@b"}
     * ({@link Action#ADD_RECIPIENTS_WITH_ARGS}).
     */
    void addRecipient(String recipient, String esmtpArgs);

    /** Removes a recipient, spelled exactly as the MTA sent it ({@link Action#DELETE_RECIPIENTS}). */
    void deleteRecipient(String recipient);

    /** Replaces the envelope sender ({@link Action#CHANGE_FROM}). */
    default void changeFrom(String sender) {
        changeFrom(sender, "");
    }

    /** Replaces the envelope sender, with space-separated ESMTP arguments ({@link Action#CHANGE_FROM}). */
    void changeFrom(String sender, String esmtpArgs);

    /** Puts the message on hold with this reason ({@link Action#QUARANTINE}); not a verdict. */
    void quarantine(String reason);

    /**
     * Tells the MTA the milter is still working, resetting its timeout; written at once. Use it during long
     * work at end of message.
     *
     * @throws java.io.UncheckedIOException when the write fails (the connection is gone)
     */
    void progress();
}
