package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one message sent through an {@link MtaSession}: the final status as the MTA would act on it,
 * the reply code, every stage's answer with its time, the recipients refused one by one, the quarantine reason,
 * every end-of-message edit in arrival order, and the message as the MTA would deliver it.
 *
 * <p>The status is the verdict that ended the message: a reject, temporary failure or discard at MAIL, DATA or any
 * later stage (or at CONNECT/HELO, for every message of the connection); {@link Status#ACCEPT} when the milter
 * accepted before end of message; at end of message its verdict, {@link Status#CONTINUE} meaning the message
 * passes unchanged by a decision (the reference's test server prints {@code pass}). When every recipient is
 * refused, the status is that of the last refusal. Immutable.
 *
 * @param status the final status
 * @param reply the reply code and text, when the deciding verdict was one ({@code y})
 * @param decidedAt the stage whose verdict ended the message (EOM when it ran to the end)
 * @param stages every event sent for this message (and the connection's CONNECT/HELO when sent with it), in order
 * @param rejectedRecipients recipients refused at RCPT, with their verdicts
 * @param quarantineReason the last quarantine reason, if the milter quarantined the message
 * @param edits every end-of-message modification, in arrival order
 * @param progressCount progress packets received at end of message
 * @param original the message as sent
 * @param message the message as the MTA would deliver it (also computed for a refused message)
 * @param elapsed from the first command of this message to the final verdict
 * @param transcript the session so far, both directions, for failure messages
 */
public record MilterResult(Status status, Optional<SmtpReply> reply, Stage decidedAt, List<StageReply> stages,
        List<StageReply> rejectedRecipients, Optional<String> quarantineReason,
        List<Response.Modification> edits, int progressCount, TestMessage original, AppliedMessage message,
        Duration elapsed, String transcript) {

    public MilterResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(decidedAt, "decidedAt");
        stages = List.copyOf(stages);
        rejectedRecipients = List.copyOf(rejectedRecipients);
        Objects.requireNonNull(quarantineReason, "quarantineReason");
        edits = List.copyOf(edits);
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(transcript, "transcript");
    }

    /** Whether the MTA would deliver the message: not rejected, temporarily failed nor discarded. */
    public boolean delivered() {
        return !status.isFinal();
    }

    /** The answer to the first event of {@code stage} in this message, if one was sent. */
    public Optional<StageReply> reply(Stage stage) {
        return stages.stream().filter(s -> s.stage() == stage).findFirst();
    }

    /** The edits of one type, in arrival order. */
    public <T extends Response.Modification> List<T> edits(Class<T> type) {
        return edits.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * The status as the reference's {@code milter-test-server} prints it: {@code pass} for continue, otherwise
     * {@code accept}, {@code reject}, {@code discard}, {@code temporary-failure} or {@code skip}.
     */
    public String statusName() {
        return status == Status.CONTINUE ? "pass" : status.configName();
    }

    /** Fluent assertions on this result whose failure messages carry the transcript. */
    public MilterResultAssert assertThat() {
        return new MilterResultAssert(this);
    }

    @Override
    public String toString() {
        return "MilterResult[" + statusName() + reply.map(r -> " " + r.toWire()).orElse("") + " at " + decidedAt
                + ", " + edits.size() + " edits, " + message + "]";
    }
}
