package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.TestMessage.HeaderField;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Fluent checks on a {@link MilterResult}, independent of any test framework: a failed check throws an
 * {@link AssertionError} saying what was expected, what was found, and the whole session transcript.
 *
 * {@snippet :
 * result.assertThat()
 *         .hasStatus(Status.CONTINUE)
 *         .hasHeader("X-Spam-Flag", "NO")
 *         .hasRecipients("<bob@example.net>")
 *         .hasBody("Hi Bob\r\n");
 * }
 */
public final class MilterResultAssert {
    private final MilterResult result;

    MilterResultAssert(MilterResult result) {
        this.result = Objects.requireNonNull(result, "result");
    }

    /** The final status is {@code expected} ({@link Status#CONTINUE} is the reference's "pass"). */
    public MilterResultAssert hasStatus(Status expected) {
        return check(result.status() == expected, "status " + expected.configName(), result.statusName());
    }

    /** The MTA would deliver the message (no reject, temporary failure or discard). */
    public MilterResultAssert isDelivered() {
        return check(result.delivered(), "a delivered message", result.statusName() + " at " + result.decidedAt());
    }

    /** The status is {@code expected} and was decided at {@code stage}. */
    public MilterResultAssert hasStatusAt(Status expected, Stage stage) {
        return check(result.status() == expected && result.decidedAt() == stage,
                expected.configName() + " at " + stage, result.statusName() + " at " + result.decidedAt());
    }

    /** The deciding verdict was a reply code whose wire text contains {@code text} (e.g. {@code "550 5.7.1"}). */
    public MilterResultAssert hasReply(String text) {
        String actual = result.reply().map(r -> r.toWire()).orElse("(no reply code)");
        return check(result.reply().isPresent() && actual.contains(text), "a reply containing '" + text + "'",
                actual);
    }

    /** The applied message has a header {@code name} (case ignored) whose value is {@code value}. */
    public MilterResultAssert hasHeader(String name, String value) {
        List<String> values = result.message().headerValues(name);
        return check(values.contains(value), "header " + name + ": " + value, describeHeaders());
    }

    /**
     * The applied message has a header {@code name} (case ignored) whose whole value matches {@code regex}: for
     * values that carry a time or an id (a greylisting milter's {@code X-Greylist: Delayed for … ; DATE}).
     */
    public MilterResultAssert hasHeaderMatching(String name, String regex) {
        Pattern pattern = Pattern.compile(regex);
        boolean ok = result.message().headerValues(name).stream().anyMatch(v -> pattern.matcher(v).matches());
        return check(ok, "header " + name + " matching /" + regex + "/", describeHeaders());
    }

    /** The applied message has a header {@code name} (case ignored). */
    public MilterResultAssert hasHeader(String name) {
        return check(!result.message().headerValues(name).isEmpty(), "a header " + name, describeHeaders());
    }

    /** The applied message has no header {@code name} (case ignored). */
    public MilterResultAssert hasNoHeader(String name) {
        return check(result.message().headerValues(name).isEmpty(), "no header " + name, describeHeaders());
    }

    /** The applied message's headers are exactly these, in order ({@code "Name: value"} each). */
    public MilterResultAssert hasHeaders(String... expected) {
        List<String> actual = result.message().headers().stream().map(HeaderField::toString).toList();
        return check(actual.equals(List.of(expected)), String.join(" | ", expected), String.join(" | ", actual));
    }

    /** The applied message's body is {@code expected} (UTF-8). */
    public MilterResultAssert hasBody(String expected) {
        return check(result.message().bodyText().equals(expected), "body \"" + Texts.escape(expected) + "\"",
                "body \"" + Texts.escape(result.message().bodyText()) + "\"");
    }

    /** The applied envelope's recipients are exactly these, in order (with angle brackets). */
    public MilterResultAssert hasRecipients(String... expected) {
        return check(result.message().recipientAddresses().equals(List.of(expected)),
                "recipients " + List.of(expected), "recipients " + result.message().recipientAddresses());
    }

    /** The applied envelope's sender is {@code expected} (with angle brackets). */
    public MilterResultAssert hasSender(String expected) {
        return check(result.message().sender().equals(expected), "sender " + expected,
                "sender " + result.message().sender());
    }

    /** The milter quarantined the message with this reason. */
    public MilterResultAssert isQuarantined(String reason) {
        return check(result.quarantineReason().filter(reason::equals).isPresent(), "quarantined: " + reason,
                result.quarantineReason().map(r -> "quarantined: " + r).orElse("not quarantined"));
    }

    /** The milter sent this edit at end of message (compared with {@code equals}). */
    public MilterResultAssert hasEdit(Response.Modification expected) {
        return check(result.edits().contains(expected), "edit " + expected, "edits " + result.edits());
    }

    /** The milter sent exactly these edits, in this order. */
    public MilterResultAssert hasEdits(Response.Modification... expected) {
        return check(result.edits().equals(List.of(expected)), "edits " + List.of(expected),
                "edits " + result.edits());
    }

    /** The milter sent no edit. */
    public MilterResultAssert hasNoEdits() {
        return check(result.edits().isEmpty(), "no edits", "edits " + result.edits());
    }

    private String describeHeaders() {
        return "headers " + result.message().headers().stream().map(h -> Texts.escape(h.toString())).toList();
    }

    private MilterResultAssert check(boolean ok, String expected, String actual) {
        if (!ok) {
            throw new AssertionError("expected " + expected + "\n     but " + actual
                    + "\nresult: " + result + "\ntranscript:\n" + result.transcript());
        }
        return this;
    }

    /** The result checked. */
    public MilterResult result() {
        return result;
    }
}
