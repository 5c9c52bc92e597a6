package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A packet from a milter to the MTA: one record per response code. Encode and decode with
 * {@link ResponseCodec}.
 *
 * <p>Three kinds: a {@link Decision} answers an event, a {@link Modification} changes the message at end of
 * message, and {@link Progress} and {@link Negotiate} stand alone.
 */
public sealed interface Response {

    /** The response code on the wire. */
    char code();

    /** An answer to an event. */
    sealed interface Decision extends Response {
    }

    /** A change to the message or envelope; only valid during end of message and only if negotiated. */
    sealed interface Modification extends Response {
        /** The action that must have been negotiated to send this. */
        Action requiredAction();
    }

    /**
     * {@code O}: the milter's side of negotiation.
     *
     * @param macros the macros the milter wants per stage, replacing the MTA's configured lists (requires
     *     {@link Action#SET_MACRO_LIST} for the MTA to honour it); empty when none were asked for
     */
    record Negotiate(int version, int actions, int protocol, Map<MacroStage, List<String>> macros)
            implements Response {
        public Negotiate {
            EnumMap<MacroStage, List<String>> copy = new EnumMap<>(MacroStage.class);
            macros.forEach((stage, names) -> copy.put(stage, List.copyOf(names)));
            macros = Collections.unmodifiableMap(copy);
        }

        public Negotiate(int version, int actions, int protocol) {
            this(version, actions, protocol, Map.of());
        }

        @Override
        public char code() {
            return 'O';
        }

        @Override
        public String toString() {
            return "Negotiate[version=" + version + ", actions=" + Action.describe(actions)
                    + ", protocol=" + ProtocolFlag.describe(protocol) + ", macros=" + macros + "]";
        }
    }

    /** {@code c}: go on; at end of message, accept. */
    record Continue() implements Decision {
        @Override
        public char code() {
            return 'c';
        }
    }

    /** {@code a}: accept; at connect or HELO, for the whole connection. */
    record Accept() implements Decision {
        @Override
        public char code() {
            return 'a';
        }
    }

    /** {@code r}: reject with the MTA's 5xx (at RCPT, this recipient only). */
    record Reject() implements Decision {
        @Override
        public char code() {
            return 'r';
        }
    }

    /** {@code t}: temporary failure with the MTA's 4xx (at RCPT, this recipient only). */
    record TempFail() implements Decision {
        @Override
        public char code() {
            return 't';
        }
    }

    /** {@code d}: accept and silently drop the message. */
    record Discard() implements Decision {
        @Override
        public char code() {
            return 'd';
        }
    }

    /** {@code y}: reject (5xx) or temporarily fail (4xx) with this reply instead of the MTA's. */
    record ReplyCode(SmtpReply reply) implements Decision {
        public ReplyCode {
            Objects.requireNonNull(reply, "reply");
        }

        @Override
        public char code() {
            return 'y';
        }
    }

    /** {@code s}: skip the rest of this kind of event (in practice, the rest of the body). */
    record Skip() implements Decision {
        @Override
        public char code() {
            return 's';
        }
    }

    /** {@code 4}: shut down; MTAs answer 421 and close the SMTP session. */
    record Shutdown() implements Decision {
        @Override
        public char code() {
            return '4';
        }
    }

    /** {@code f}: connection failure; defined but used by no known milter, and MTAs treat it as an error. */
    record ConnectionFailure() implements Decision {
        @Override
        public char code() {
            return 'f';
        }
    }

    /** {@code p}: still working; resets the MTA's timer. */
    record Progress() implements Response {
        @Override
        public char code() {
            return 'p';
        }
    }

    /** {@code h}: append a header. */
    record AddHeader(String name, String value) implements Modification {
        public AddHeader {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public char code() {
            return 'h';
        }

        @Override
        public Action requiredAction() {
            return Action.ADD_HEADERS;
        }
    }

    /** {@code i}: insert a header at {@code index} (0 is the top). */
    record InsertHeader(int index, String name, String value) implements Modification {
        public InsertHeader {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public char code() {
            return 'i';
        }

        @Override
        public Action requiredAction() {
            return Action.ADD_HEADERS;
        }
    }

    /**
     * {@code m}: change the {@code index}-th header called {@code name} (counted from 1); an empty value deletes
     * it, an index past the last appends it.
     */
    record ChangeHeader(int index, String name, String value) implements Modification {
        public ChangeHeader {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public char code() {
            return 'm';
        }

        @Override
        public Action requiredAction() {
            return Action.CHANGE_HEADERS;
        }
    }

    /** {@code b}: a piece of the new body; successive pieces append. */
    record ReplaceBody(ByteBuffer chunk) implements Modification {
        public ReplaceBody {
            chunk = chunk.slice().asReadOnlyBuffer();
        }

        /** A piece over {@code bytes}, not copied. */
        public static ReplaceBody of(byte[] bytes) {
            return new ReplaceBody(ByteBuffer.wrap(bytes));
        }

        @Override
        public ByteBuffer chunk() {
            return chunk.duplicate();
        }

        /** The piece's bytes, copied. */
        public byte[] toByteArray() {
            byte[] bytes = new byte[chunk.remaining()];
            chunk.duplicate().get(bytes);
            return bytes;
        }

        @Override
        public char code() {
            return 'b';
        }

        @Override
        public Action requiredAction() {
            return Action.CHANGE_BODY;
        }

        @Override
        public String toString() {
            return "ReplaceBody[" + chunk.remaining() + " bytes]";
        }
    }

    /** {@code +}: add a recipient. */
    record AddRecipient(String recipient) implements Modification {
        public AddRecipient {
            Objects.requireNonNull(recipient, "recipient");
        }

        @Override
        public char code() {
            return '+';
        }

        @Override
        public Action requiredAction() {
            return Action.ADD_RECIPIENTS;
        }
    }

    /** {@code 2}: add a recipient with ESMTP arguments (one space-separated string, possibly empty). */
    record AddRecipientWithArgs(String recipient, String esmtpArgs) implements Modification {
        public AddRecipientWithArgs {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(esmtpArgs, "esmtpArgs");
        }

        @Override
        public char code() {
            return '2';
        }

        @Override
        public Action requiredAction() {
            return Action.ADD_RECIPIENTS_WITH_ARGS;
        }
    }

    /** {@code -}: delete a recipient (as the MTA sent it in RCPT). */
    record DeleteRecipient(String recipient) implements Modification {
        public DeleteRecipient {
            Objects.requireNonNull(recipient, "recipient");
        }

        @Override
        public char code() {
            return '-';
        }

        @Override
        public Action requiredAction() {
            return Action.DELETE_RECIPIENTS;
        }
    }

    /** {@code e}: change the envelope sender, with ESMTP arguments (one space-separated string, possibly empty). */
    record ChangeFrom(String sender, String esmtpArgs) implements Modification {
        public ChangeFrom {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(esmtpArgs, "esmtpArgs");
        }

        public ChangeFrom(String sender) {
            this(sender, "");
        }

        @Override
        public char code() {
            return 'e';
        }

        @Override
        public Action requiredAction() {
            return Action.CHANGE_FROM;
        }
    }

    /** {@code q}: put the message on hold with this reason (not a final decision). */
    record Quarantine(String reason) implements Modification {
        public Quarantine {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public char code() {
            return 'q';
        }

        @Override
        public Action requiredAction() {
            return Action.QUARANTINE;
        }
    }
}
