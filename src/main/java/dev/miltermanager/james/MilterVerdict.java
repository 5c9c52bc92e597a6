package dev.miltermanager.james;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Status;
import java.util.List;
import java.util.Optional;

/**
 * What the milters made of one mail, in milter terms: the folded status and its reply, the recipients refused at
 * RCPT, and — for a mail they let through — their edits in the order they came.
 *
 * @param status accept, temporary-failure, reject or discard
 * @param reply the SMTP reply that goes with a reject or temporary failure (a child's own, or the MTAs' default)
 * @param refused the recipients refused at RCPT, each with its status and reply
 * @param edits the end-of-message modifications (header, body, recipient and sender edits, quarantine), only for
 *     a mail that is let through
 * @param leadingSpace whether header values in {@code edits} keep the space after the colon (HDR_LEADSPC agreed)
 * @param failure why the mailet fell back on its fallback status (the session failed or ran out of time)
 */
record MilterVerdict(Status status, Optional<String> reply, List<Refusal> refused,
        List<Response.Modification> edits, boolean leadingSpace, Optional<String> failure) {

    /** A recipient refused at RCPT. */
    record Refusal(String recipient, Status status, String reply) {
    }

    MilterVerdict {
        refused = List.copyOf(refused);
        edits = List.copyOf(edits);
    }

    /** The verdict when the session itself failed: {@code fallback}, and why. */
    static MilterVerdict failure(Status fallback, String why) {
        return new MilterVerdict(fallback, Optional.of(defaultReply(fallback)).filter(r -> !r.isEmpty()),
                List.of(), List.of(), false, Optional.of(why));
    }

    /** The quarantine reason, if a milter asked for quarantine. */
    Optional<String> quarantine() {
        return edits.stream().filter(e -> e instanceof Response.Quarantine)
                .map(e -> ((Response.Quarantine) e).reason()).reduce((first, last) -> last);
    }

    /** The reply an MTA gives for a plain reject or temporary failure (Postfix's wording); empty for the others. */
    static String defaultReply(Status status) {
        return switch (status) {
            case REJECT -> "550 5.7.1 Command rejected";
            case TEMPORARY_FAILURE -> "451 4.7.1 Service unavailable - try again later";
            default -> "";
        };
    }

    /** The reply of a decision: its own code and text, or the default for its status. */
    static String replyOf(Response.Decision decision) {
        if (decision instanceof Response.ReplyCode y) {
            StringBuilder text = new StringBuilder().append(y.reply().code());
            if (y.reply().enhancedCode() != null) {
                text.append(' ').append(y.reply().enhancedCode());
            }
            for (String line : y.reply().lines()) {
                text.append(' ').append(line);
            }
            return text.toString().strip();
        }
        return defaultReply(Status.of(decision));
    }
}
