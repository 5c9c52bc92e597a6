package dev.miltermanager.client;

import dev.miltermanager.protocol.Stage;

/**
 * The step of a client session in which something happened, named in every {@link MilterClientException}: opening
 * the connection, negotiating, one of the events, or one of the commands that end a message or session.
 */
public enum Phase {
    /** Opening the connection to the milter. */
    OPEN("connecting"),
    /** Sending the offer and reading the milter's negotiation reply. */
    NEGOTIATE("negotiation"),
    /** The CONNECT event ({@code C}). */
    CONNECT("CONNECT"),
    /** The HELO event ({@code H}). */
    HELO("HELO"),
    /** The MAIL FROM event ({@code M}). */
    MAIL("MAIL"),
    /** The RCPT TO event ({@code R}). */
    RCPT("RCPT"),
    /** The DATA event ({@code T}). */
    DATA("DATA"),
    /** A header ({@code L}). */
    HEADER("HEADER"),
    /** End of headers ({@code N}). */
    EOH("EOH"),
    /** A body chunk ({@code B}). */
    BODY("BODY"),
    /** End of message ({@code E}) and the edits that answer it. */
    EOM("end of message"),
    /** An unknown SMTP command ({@code U}). */
    UNKNOWN("UNKNOWN"),
    /** Abandoning the message ({@code A}). */
    ABORT("ABORT"),
    /** Ending the session ({@code Q}). */
    QUIT("QUIT"),
    /** Ending the session but keeping the connection ({@code K}). */
    QUIT_NEW_CONNECTION("QUIT_NC");

    private final String label;

    Phase(String label) {
        this.label = label;
    }

    /** The phase of an event. */
    public static Phase of(Stage stage) {
        return switch (stage) {
            case CONNECT -> CONNECT;
            case HELO -> HELO;
            case MAIL -> MAIL;
            case RCPT -> RCPT;
            case DATA -> DATA;
            case HEADER -> HEADER;
            case EOH -> EOH;
            case BODY -> BODY;
            case EOM -> EOM;
            case UNKNOWN -> UNKNOWN;
        };
    }

    /** A short label for messages, such as {@code RCPT} or {@code negotiation}. */
    public String label() {
        return label;
    }
}
