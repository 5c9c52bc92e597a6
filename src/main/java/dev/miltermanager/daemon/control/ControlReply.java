package dev.miltermanager.daemon.control;

import java.util.Objects;

/**
 * The answer to one control command: whether it succeeded, and its text (the status report, the configuration, what
 * a reload did or why it failed). Immutable.
 *
 * @param ok whether the command succeeded
 * @param text what to show the administrator; may span several lines, may be empty
 */
public record ControlReply(boolean ok, String text) {

    public ControlReply {
        Objects.requireNonNull(text, "text");
    }

    /** A success saying {@code text}. */
    public static ControlReply ok(String text) {
        return new ControlReply(true, text);
    }

    /** A failure saying why. */
    public static ControlReply error(String text) {
        return new ControlReply(false, text);
    }
}
