package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.time.Duration;
import java.util.Objects;

/**
 * The milter's answer to one event of a simulated session.
 *
 * @param stage the event
 * @param argument what the event carried, for reading: the host name, the HELO name, the address, {@code Name:
 *     value}, the size of a body chunk, the unknown command; empty for DATA, EOH and EOM
 * @param decision the verdict; {@link Response.Continue} also when the event was not sent or not awaited
 * @param sent whether the event went to the milter (false when it negotiated not to receive it)
 * @param elapsed from sending the event to the verdict
 */
public record StageReply(Stage stage, String argument, Response.Decision decision, boolean sent,
        Duration elapsed) {
    public StageReply {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(argument, "argument");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The verdict's status (a reply code counts by its class). */
    public Status status() {
        return Status.of(decision);
    }

    @Override
    public String toString() {
        return stage + (argument.isEmpty() ? "" : " " + argument) + " -> " + Texts.describe(decision)
                + (sent ? "" : " (not sent)") + " in " + elapsed.toMillis() + " ms";
    }
}
