package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** libmilter's state machine and its leniency, checked exactly over a scripted wire. */
class StateMachineTest {
    static final Command O = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    static final Command C = new Command.Connect("client.example", Command.Family.INET, 40000, "192.0.2.1");
    static final Command H = new Command.Helo("client.example");
    static final Command M = new Command.MailFrom("<a@example.org>");
    static final Command R = new Command.Recipient("<b@example.org>");
    static final Command T = new Command.Data();
    static final Command L = new Command.Header("Subject", "hi");
    static final Command N = new Command.EndOfHeaders();
    static final Command B = Command.Body.of("body\r\n".getBytes());
    static final Command E = new Command.EndOfMessage();
    static final Command A = new Command.Abort();
    static final Command Q = new Command.Quit();
    static final Command K = new Command.QuitNewConnection();
    static final Command U = new Command.Unknown("XFOO");

    private final ScriptedMilter.Script script = new ScriptedMilter.Script();

    private RecordingWire run(Command... commands) {
        return RecordingWire.run(MilterSpec.defaults(), script, commands);
    }

    private List<String> events() {
        List<String> names = new ArrayList<>();
        script.events.drainTo(new ArrayList<>() {
            @Override
            public boolean add(ScriptedMilter.Event e) {
                return names.add(e.name());
            }
        });
        return names;
    }

    @Test
    void abortAfterEndOfMessageIsIgnored() {
        RecordingWire wire = run(O, C, H, M, R, E, A, M, R, E, A, Q);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "eom", "mail", "rcpt", "eom", "close"), events());
        assertEquals(9, wire.writes().size(), "O, C, H and two messages of M R E; nothing for A or Q");
    }

    @Test
    void abortInsideAMessageReachesTheMilter() {
        run(O, C, H, M, R, T, L, A, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "header", "abort", "mail", "rcpt", "eom",
                "close"), events());
    }

    @Test
    void abortWithoutAMessageIsIgnored() {
        run(O, C, H, A, M, A, A);
        assertEquals(List.of("connect", "helo", "mail", "abort", "close"), events());
    }

    @Test
    void shutdownEndsTheMessageSoTheMtasAbortAndQuitBringNoAbort() {
        script.answer = e -> e.name().equals("rcpt") ? Verdict.SHUTDOWN : Verdict.CONTINUE;
        run(O, C, H, M, R, A, Q);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "close"), events());
    }

    @Test
    void mailInsideAMessageAbortsItAndStartsAnew() {
        RecordingWire wire = run(O, C, H, M, R, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "abort", "mail", "rcpt", "eom", "close"), events());
        assertTrue(wire.responses().stream().skip(1).allMatch(ServerFixture::isContinue));
    }

    @Test
    void anEventThatCannotFollowEvenFromHeloIsIgnoredWithoutReply() {
        RecordingWire wire = run(O, C, H, R, L, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "eom", "close"), events());
        assertEquals(6, wire.writes().size(), "no answer to the ignored R and L");
    }

    @Test
    void anEventOutOfOrderInsideAMessageAbortsItAndIsIgnored() {
        RecordingWire wire = run(O, C, H, M, R, T, B, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "abort", "mail", "rcpt", "eom", "close"),
                events());
        assertEquals(9, wire.writes().size(), "no answer to B after DATA");
    }

    @Test
    void unknownCommandsMayComeInsideAMessage() {
        run(O, C, H, U, M, R, U, T, L, N, B, E);
        assertEquals(List.of("connect", "helo", "unknown", "mail", "rcpt", "unknown", "data", "header", "eoh",
                "body", "eom", "close"), events());
    }

    @Test
    void aMessageInterruptedByAnUnknownCommandIsStillAbortedAtQuit() {
        run(O, C, H, M, R, U, Q);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "unknown", "abort", "close"), events());
    }

    @Test
    void abortAfterAnUnknownCommandOutsideAMessageDoesNotReachTheMilter() {
        run(O, C, H, U, A, M);
        assertEquals(List.of("connect", "helo", "unknown", "mail", "abort", "close"), events());
    }

    @Test
    void abortOrQuitNewConnectionBeforeNegotiationClosesTheConnection() {
        assertTrue(run(A, O).writes().isEmpty());
        assertTrue(run(K, O).writes().isEmpty());
        assertTrue(run(new Command.Macros('C', Map.of("j", "x")), O).writes().size() == 1);
    }

    @Test
    void rejectAtMailEndsTheMessageAndTheFollowingAbortIsIgnored() {
        script.answer = e -> e.name().equals("mail") && e.args().getFirst().equals("<spam@example.org>")
                ? Verdict.REJECT : Verdict.CONTINUE;
        RecordingWire wire = run(O, C, H, new Command.MailFrom("<spam@example.org>"), A, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "mail", "rcpt", "eom", "close"), events());
        assertEquals(new Response.Reject(), wire.writes().get(3).getFirst());
    }

    @Test
    void rejectAtRecipientRefusesOnlyThatRecipient() {
        script.answer = e -> e.name().equals("rcpt") && e.args().getFirst().equals("<nobody@example.org>")
                ? Verdict.REJECT : Verdict.CONTINUE;
        RecordingWire wire = run(O, C, H, M, new Command.Recipient("<nobody@example.org>"), R, T, N, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "rcpt", "data", "eoh", "eom", "close"), events());
        assertEquals(List.of(new Response.Reject()), wire.writes().get(4));
    }

    @Test
    void tempfailAndDiscardAtDataEndTheMessage() {
        script.answer = e -> e.name().equals("data") ? Verdict.DISCARD : Verdict.CONTINUE;
        run(O, C, H, M, R, T, L, M, R, T, E);
        // the header after a discarded DATA cannot follow HELO: ignored, and no abort (no message is open)
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "mail", "rcpt", "data", "close"),
                events());
    }

    @Test
    void acceptAtRecipientEndsTheMessageAsInLibmilter() {
        script.answer = e -> e.name().equals("rcpt") && e.args().getFirst().equals("<vip@example.org>")
                ? Verdict.ACCEPT : Verdict.CONTINUE;
        run(O, C, H, M, new Command.Recipient("<vip@example.org>"), R, A, M, R, E);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "mail", "rcpt", "eom", "close"), events());
    }

    @Test
    void quitNewConnectionClosesTheInstanceAndTheNextConnectGetsAFreshOne() {
        Command macros = new Command.Macros('C', Map.of("j", "first"));
        List<Object> seen = new ArrayList<>();
        script.answer = e -> {
            seen.add(e.instance() + ":" + e.name() + ":" + e.macros().get("j"));
            return Verdict.CONTINUE;
        };
        RecordingWire wire = run(O, macros, C, H, M, R, E, K, C, H, M, R, E, Q);
        assertEquals(List.of("1:connect:first", "1:helo:first", "1:mail:first", "1:rcpt:first", "1:close:first",
                "2:connect:null", "2:helo:null", "2:mail:null", "2:rcpt:null", "2:close:null"), seen);
        assertEquals(1 + 5 + 5, wire.writes().size(), "one negotiation only; nothing for K");
    }

    @Test
    void quitNewConnectionInsideAMessageAbortsItFirst() {
        run(O, C, H, M, R, K, C, Q);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "abort", "close", "connect", "close"), events());
    }

    @Test
    void quitInsideAMessageAbortsThenCloses() {
        RecordingWire wire = run(O, C, H, M, R, Q, H);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "abort", "close"), events());
        assertTrue(wire.isClosed());
    }

    @Test
    void theMtaClosingInsideAMessageAbortsThenCloses() {
        run(O, C, H, M, R);
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "abort", "close"), events());
    }

    @Test
    void aSecondNegotiationIsIgnoredWithoutReply() {
        RecordingWire wire = run(O, C, O, H, M);
        assertEquals(List.of("connect", "helo", "mail", "abort", "close"), events());
        assertEquals(4, wire.writes().size());
    }

    @Test
    void anEventBeforeNegotiationClosesTheConnection() {
        RecordingWire wire = run(C, H);
        assertEquals(List.of(), events());
        assertEquals(List.of(), wire.writes());
        assertTrue(wire.isClosed());
    }

    @Test
    void statesOfEventsTheMilterDoesNotReceiveArePassedOver() {
        MilterSpec spec = MilterSpec.builder().events(Stage.MAIL).build();
        RecordingWire wire = RecordingWire.run(spec, script, O, M, E, M, N, E);
        assertEquals(List.of("mail", "eom", "mail", "eom", "close"), events());
        assertEquals(6, wire.writes().size(), "N is answered without a callback");
    }

    @Test
    void aMilterInstanceIsMadeOnlyWhenAnEventArrives() {
        run(O, Q);
        assertEquals(List.of(), events());
        assertEquals(0, script.instances.get());
    }
}
