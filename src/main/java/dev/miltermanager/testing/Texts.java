package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.WireText;
import java.nio.ByteBuffer;

/** Commands and responses as transcript lines, and the text a rule matches a command against. */
final class Texts {
    private static final int PREVIEW_CHARS = 60;

    private Texts() {
    }

    static String describe(Command command) {
        String text = switch (command) {
            case Command.Body b -> "Body[" + b.chunk().remaining() + " bytes: " + preview(b.chunk()) + "]";
            case Command.EndOfMessage e -> e.chunk().hasRemaining()
                    ? "EndOfMessage[" + e.chunk().remaining() + " bytes: " + preview(e.chunk()) + "]"
                    : "EndOfMessage[]";
            default -> command.toString();
        };
        return command.code() + " " + escape(text);
    }

    static String describe(Response response) {
        String text = response instanceof Response.ReplaceBody b
                ? "ReplaceBody[" + b.chunk().remaining() + " bytes: " + preview(b.chunk()) + "]"
                : response.toString();
        return response.code() + " " + escape(text);
    }

    /**
     * The text rules match a command against: the host name at CONNECT, the HELO name, the sender, the recipient,
     * {@code Name: value} for a header, the chunk for BODY, the whole body so far at end of message, the line of an
     * unknown command, and the empty string for the rest.
     */
    static String argument(Command command, FakeSession.Message message) {
        return switch (command) {
            case Command.Connect c -> c.hostname();
            case Command.Helo h -> h.name();
            case Command.MailFrom m -> m.sender();
            case Command.Recipient r -> r.recipient();
            case Command.Header h -> h.name() + ":" + (startsWithBlank(h.value()) ? "" : " ") + h.value();
            case Command.Body b -> text(b.chunk());
            case Command.EndOfMessage e -> message == null ? text(e.chunk()) : message.bodyText();
            case Command.Unknown u -> u.line();
            case Command.Data d -> "";
            case Command.EndOfHeaders e -> "";
            case Command.Negotiate n -> "";
            case Command.Macros m -> "";
            case Command.Abort a -> "";
            case Command.Quit q -> "";
            case Command.QuitNewConnection q -> "";
        };
    }

    private static boolean startsWithBlank(String value) {
        return !value.isEmpty() && (value.charAt(0) == ' ' || value.charAt(0) == '\t');
    }

    private static String text(ByteBuffer bytes) {
        byte[] array = new byte[bytes.remaining()];
        bytes.get(array);
        return WireText.decode(array, 0, array.length);
    }

    private static String preview(ByteBuffer bytes) {
        String text = text(bytes);
        return "\"" + (text.length() > PREVIEW_CHARS ? text.substring(0, PREVIEW_CHARS) + "..." : text) + "\"";
    }

    /** Control characters as escapes, so a transcript line stays one line. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\0' -> out.append("\\0");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
