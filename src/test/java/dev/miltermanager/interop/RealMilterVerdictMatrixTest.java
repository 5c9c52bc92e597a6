package dev.miltermanager.interop;

import static dev.miltermanager.interop.RealMilterRig.CONTINUE;
import static dev.miltermanager.interop.RealMilterRig.POSTFIX_V6;
import static dev.miltermanager.interop.RealMilterRig.ascii;
import static dev.miltermanager.interop.RealMilterRig.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterTimeoutException;
import dev.miltermanager.interop.InteropChild.Kind;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each verdict at each stage, given by a real libmilter child and a real pymilter child: the client returns the
 * matching {@link Response.Decision} (a {@link Response.ReplyCode} with the exact {@link SmtpReply}), and the
 * library then behaves as pinned here. One child per case, so a case sees only its own rule.
 *
 * <p>What the libraries do after a verdict (pymilter runs libmilter's engine, so both behave alike):
 * <ul>
 *   <li>No verdict closes the connection, not even accept or reject at CONNECT: the library returns to its
 *       "after HELO" state and answers the next HELO or MAIL. (It is Postfix that stops talking to a milter
 *       after accept at CONNECT or HELO.)</li>
 *   <li>Reject, tempfail, discard and a reply code at RCPT or UNKNOWN concern that command only: the next
 *       recipient or unknown command is answered. Accept at UNKNOWN also keeps the session going; accept at RCPT
 *       does not (see the next point).</li>
 *   <li>Any verdict but continue at MAIL, DATA, HEADER, EOH or BODY, and accept at RCPT, ends the message for the
 *       library: it drops every further event of that message <em>without a reply</em> (an MTA that went on would
 *       wait for its timeout), and answers the next MAIL.</li>
 *   <li>A reply set with {@code smfi_setreply} goes out as {@code y} in place of {@code r}/{@code t}, without an
 *       enhanced code when none was given, and with {@code %%} still doubled on the wire (the client undoubles).</li>
 * </ul>
 */
class RealMilterVerdictMatrixTest {

    /** The substring the rules match, so the events after the verdict (without it) pass. */
    private static final String MATCH = "target";
    private static final byte[] BODY = ascii("target body\r\n");

    /** A verdict a child can be scripted to give, and what the client must make of it. */
    record Verdict(String script, Response.Decision expected) {
        @Override
        public String toString() {
            return script;
        }
    }

    private static final Verdict ACCEPT = new Verdict("accept", new Response.Accept());
    private static final Verdict REJECT = new Verdict("reject", new Response.Reject());
    private static final Verdict TEMPFAIL = new Verdict("tempfail", new Response.TempFail());
    private static final Verdict DISCARD = new Verdict("discard", new Response.Discard());
    private static final List<Verdict> VERDICTS = List.of(new Verdict("continue", CONTINUE),
            ACCEPT, REJECT, TEMPFAIL, DISCARD,
            new Verdict("reply:550:5.7.1:rejected by {name}", reply(550, "5.7.1", "rejected by matrix")),
            new Verdict("reply:451:4.7.1:busy, 100%% full", reply(451, "4.7.1", "busy, 100% full")),
            new Verdict("reply:554::no enhanced code", reply(554, null, "no enhanced code")));
    private static final Verdict SKIP = new Verdict("skip", new Response.Skip());

    /** One event of the conversation, in the order Postfix sends them, and the line the child logs for it. */
    private record Step(Stage stage, Command command, String logLine) {
    }

    private static final List<Step> CONVERSATION = List.of(
            new Step(Stage.CONNECT, new Command.Connect("target.example.org", Command.Family.INET, 4711, "192.0.2.1"),
                    "connect host=target.example.org family=4 addr=192.0.2.1 port=4711"),
            new Step(Stage.HELO, new Command.Helo("target.example.org"), "helo target.example.org"),
            new Step(Stage.UNKNOWN, new Command.Unknown("xtarget"), "unknown xtarget"),
            new Step(Stage.MAIL, new Command.MailFrom("<target@example.org>", List.of("SIZE=42")),
                    "mail <target@example.org> SIZE=42"),
            new Step(Stage.RCPT, new Command.Recipient("<target@example.net>"), "rcpt <target@example.net>"),
            new Step(Stage.DATA, new Command.Data(), "data"),
            new Step(Stage.HEADER, new Command.Header("X-Check", "target"), "header X-Check: target"),
            new Step(Stage.EOH, new Command.EndOfHeaders(), "eoh"),
            new Step(Stage.BODY, Command.Body.of(BODY), "body " + BODY.length),
            new Step(Stage.EOM, new Command.EndOfMessage(), "eom bodysha256=" + sha256(BODY)));

    private static Response.ReplyCode reply(int code, String enhanced, String text) {
        return new Response.ReplyCode(SmtpReply.of(code, enhanced, text));
    }

    /** Every kind × stage × verdict, plus skip at BODY: 2 × (10 × 8 + 1) = 162 cases. */
    static Stream<Arguments> everyVerdictAtEveryStage() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Kind kind : Kind.values()) {
            for (Step step : CONVERSATION) {
                VERDICTS.forEach(verdict -> cases.add(arguments(kind, step.stage(), verdict)));
                if (step.stage() == Stage.BODY) {
                    cases.add(arguments(kind, step.stage(), SKIP));
                }
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0} child: {2} at {1}")
    @MethodSource("everyVerdictAtEveryStage")
    void theClientReturnsTheVerdictAndTheLibraryAnswersTheNextTransaction(Kind kind, Stage stage, Verdict verdict) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "matrix").rule(rule(stage, verdict)))) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            List<String> expected = new ArrayList<>(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff"));
            expected.addAll(conversationUpTo(client, stage, verdict));

            if (verdict == SKIP) {
                // The client sends no more of the body; end of message is answered as usual.
                assertEquals(CONTINUE, client.body(ByteBuffer.wrap(ascii("more body\r\n"))));
                assertEquals(CONTINUE, client.endOfMessage().decision());
                expected.add("eom bodysha256=" + sha256(BODY));
            }
            boolean commandOnly = stage == Stage.UNKNOWN
                    || stage == Stage.RCPT && !(verdict.expected() instanceof Response.Accept);
            if (commandOnly) {
                Step again = stage == Stage.RCPT
                        ? new Step(stage, new Command.Recipient("<other@example.net>"), "rcpt <other@example.net>")
                        : new Step(stage, new Command.Unknown("xother"), "unknown xother");
                assertEquals(CONTINUE, client.send(again.command()), "the next " + stage + " is answered");
                expected.add(again.logLine());
            }
            // Postfix's ABORT (dropped by the library where no message is open), then the next transaction.
            client.abort();
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<next@example.org>")), "the next MAIL");
            assertEquals(CONTINUE, client.send(new Command.Recipient("<next@example.net>")), "its RCPT");
            expected.addAll(List.of("mail <next@example.org>", "rcpt <next@example.net>", "close"));

            // Where the library calls xxfi_abort is pinned by RealMilterSessionsTest.
            List<String> log = rig.quitAndAwaitLog().stream().filter(line -> !line.equals("abort")).toList();
            assertEquals(expected, log);
        }
    }

    /** Cases where the library drops the next event of the message: the verdict, and that next event. */
    static Stream<Arguments> messageEndingVerdicts() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Kind kind : Kind.values()) {
            cases.add(arguments(kind, Stage.MAIL, REJECT, new Command.Recipient("<next@example.net>")));
            cases.add(arguments(kind, Stage.RCPT, ACCEPT, new Command.Recipient("<next@example.net>")));
            cases.add(arguments(kind, Stage.HEADER, DISCARD, new Command.Header("X-Next", "1")));
            cases.add(arguments(kind, Stage.BODY, TEMPFAIL, Command.Body.of(ascii("next\r\n"))));
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0} child: after {2} at {1}, {3} gets no reply")
    @MethodSource("messageEndingVerdicts")
    void afterAMessageVerdictTheLibraryDropsTheRestOfTheMessageWithoutReply(Kind kind, Stage stage, Verdict verdict,
            Command next) {
        Duration shortWait = Duration.ofMillis(300);
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "matrix").rule(rule(stage, verdict)),
                RealMilterRig.OPTIONS.withReadTimeout(shortWait))) {
            rig.client().negotiate(POSTFIX_V6);
            conversationUpTo(rig.client(), stage, verdict);
            int linesBefore = rig.child().events().size();

            MilterTimeoutException e = assertThrows(MilterTimeoutException.class, () -> rig.client().send(next));
            assertEquals(MilterTimeoutException.Kind.READ, e.kind());
            assertFalse(rig.client().isOpen(), "a timeout closes the client");
            // The callback never ran: the library dropped the command before it (nothing logged after the verdict
            // but the abort and close that the hang-up causes).
            List<String> log = rig.awaitLines("close", 1);
            List<String> after = log.subList(linesBefore, log.size());
            assertEquals(List.of(), after.stream().filter(line -> !line.equals("abort") && !line.equals("close"))
                    .toList());
        }
    }

    /** Sends the conversation up to {@code stage}; asserts continue before it and the verdict at it. */
    private static List<String> conversationUpTo(MilterClient client, Stage stage, Verdict verdict) {
        List<String> logLines = new ArrayList<>();
        for (Step step : CONVERSATION) {
            Response.Decision decision = step.stage() == Stage.EOM
                    ? client.endOfMessage().decision()
                    : client.send(step.command());
            logLines.add(step.logLine());
            if (step.stage() == stage) {
                assertEquals(verdict.expected(), decision, "the verdict at " + stage);
                return logLines;
            }
            assertEquals(CONTINUE, decision, () -> "before the scripted stage, at " + step.stage());
        }
        throw new AssertionError("no step for " + stage);
    }

    /** {@code stage:target=verdict}; DATA, EOH and EOM have no argument to match. */
    private static String rule(Stage stage, Verdict verdict) {
        String name = stage.name().toLowerCase(Locale.ROOT);
        boolean hasArgument = stage != Stage.DATA && stage != Stage.EOH && stage != Stage.EOM;
        return name + (hasArgument ? ":" + MATCH : "") + "=" + verdict.script();
    }
}
