package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VerdictsTest {
    static final SmtpReply REPLY_550 = SmtpReply.of(550, "5.7.1", "Go away", "Really");
    static final SmtpReply REPLY_451 = SmtpReply.of(451, "4.7.1", "Later");

    static Stream<Arguments> verdicts() {
        return Stream.of(Verdict.CONTINUE, Verdict.ACCEPT, Verdict.REJECT, Verdict.TEMPFAIL, Verdict.DISCARD,
                Verdict.SHUTDOWN, Verdict.reply(REPLY_550), Verdict.tempFail(451, "4.7.1", "Later"))
                .map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("verdicts")
    void eachVerdictGoesOnTheWireAtEachEvent(Response.Decision verdict) {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            f.script.answer = e -> verdict;
            f.script.endOfMessage = (editor, e) -> verdict;
            for (Command event : List.of(StateMachineTest.C, StateMachineTest.H, StateMachineTest.M,
                    StateMachineTest.R, StateMachineTest.T, StateMachineTest.L, StateMachineTest.N,
                    StateMachineTest.B, StateMachineTest.E, StateMachineTest.U)) {
                MtaDriver mta = f.connectPostfixLike();
                List<Command> before = switch (event.code()) {
                    case 'C', 'U' -> List.of();
                    case 'H' -> List.of(StateMachineTest.C);
                    case 'M' -> List.of(StateMachineTest.C, StateMachineTest.H);
                    case 'R' -> List.of(StateMachineTest.C, StateMachineTest.M);
                    case 'T', 'L', 'N', 'E' -> List.of(StateMachineTest.C, StateMachineTest.M,
                            StateMachineTest.R);
                    case 'B' -> List.of(StateMachineTest.C, StateMachineTest.M, StateMachineTest.R,
                            StateMachineTest.N);
                    default -> throw new AssertionError(event);
                };
                f.script.answer = e -> Verdict.CONTINUE;
                before.forEach(mta::ask);
                f.script.answer = e -> verdict;
                assertEquals(verdict, mta.ask(event), "at " + event);
            }
        }
    }

    @Test
    void aReplySetInTheCallbackReplacesAMatchingRefusalOnly() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MilterContext[] context = new MilterContext[1];
            MilterFactory factory = ctx -> {
                context[0] = ctx;
                return f.script.create(ctx);
            };
            try (MilterServer server = MilterServer.create(ServerFixture.LOOPBACK, MilterSpec.defaults(), factory)
                    .start(); MtaDriver mta = MtaDriver.connect(server.boundSpec().toSocketAddress())) {
                mta.negotiate(6, Action.ALL, ProtocolFlag.ALL);
                mta.ask(StateMachineTest.C);
                mta.ask(StateMachineTest.M);
                f.script.answer = e -> reply(context[0], REPLY_550, Verdict.REJECT);
                assertEquals(new Response.ReplyCode(REPLY_550), mta.ask(new Command.Recipient("<a@b>")));
                f.script.answer = e -> reply(context[0], REPLY_451, Verdict.TEMPFAIL);
                assertEquals(new Response.ReplyCode(REPLY_451), mta.ask(new Command.Recipient("<a@b>")));
                f.script.answer = e -> reply(context[0], REPLY_451, Verdict.REJECT);
                assertEquals(Verdict.REJECT, mta.ask(new Command.Recipient("<a@b>")), "4xx reply with REJECT");
                f.script.answer = e -> reply(context[0], REPLY_550, Verdict.CONTINUE);
                assertEquals(Verdict.CONTINUE, mta.ask(new Command.Recipient("<a@b>")));
                f.script.answer = e -> Verdict.REJECT;
                assertEquals(Verdict.REJECT, mta.ask(new Command.Recipient("<a@b>")), "the reply was forgotten");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static Response.Decision reply(MilterContext context, SmtpReply reply, Response.Decision verdict) {
        context.setReply(reply);
        return verdict;
    }

    @Test
    void skipFromTheBodyIsSentWhenAgreed() {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().skip().build())) {
            MtaDriver mta = f.connectAndHelo();
            mta.ask(StateMachineTest.M);
            mta.ask(StateMachineTest.R);
            mta.ask(StateMachineTest.N);
            f.script.answer = e -> Verdict.SKIP;
            assertEquals(Verdict.SKIP, mta.ask(StateMachineTest.B));
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.E));
        }
    }

    @Test
    void skipIsContinueWhenNotAgreedOrNotFromTheBody() {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().skip().build())) {
            MtaDriver mta = f.connect();
            mta.negotiate(6, Action.ALL, ProtocolFlag.ALL & ~ProtocolFlag.SKIP.bit());
            f.script.answer = e -> Verdict.SKIP;
            mta.ask(StateMachineTest.C);
            mta.ask(StateMachineTest.M);
            mta.ask(StateMachineTest.R);
            mta.ask(StateMachineTest.N);
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.B), "SKIP not agreed");
            MtaDriver agreed = f.connectPostfixLike();
            agreed.ask(StateMachineTest.C);
            assertEquals(Verdict.CONTINUE, agreed.ask(StateMachineTest.M), "SKIP outside the body");
            agreed.ask(StateMachineTest.R);
            f.script.endOfMessage = (editor, e) -> Verdict.SKIP;
            assertEquals(Verdict.CONTINUE, agreed.ask(StateMachineTest.E), "SKIP at end of message");
        }
    }

    @Test
    void eventsDeclaredWithoutReplyAreNeverAnsweredWhateverTheVerdict() {
        MilterSpec spec = MilterSpec.builder().noReply(Stage.CONNECT, Stage.HELO, Stage.MAIL, Stage.RCPT, Stage.DATA,
                Stage.HEADER, Stage.EOH, Stage.BODY, Stage.UNKNOWN).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            f.script.answer = e -> Verdict.REJECT;
            MtaDriver mta = f.connect();
            assertEquals(ProtocolFlag.ALL_NO_REPLIES, mta.negotiate(6, Action.ALL, ProtocolFlag.ALL).protocol());
            mta.send(StateMachineTest.C, StateMachineTest.H, StateMachineTest.U, StateMachineTest.M,
                    StateMachineTest.R, StateMachineTest.T, StateMachineTest.L, StateMachineTest.N,
                    StateMachineTest.B);
            assertEquals(List.of("connect", "helo", "unknown", "mail", "rcpt", "data", "header", "eoh", "body"),
                    f.script.names(9));
            mta.assertSilent(java.time.Duration.ofMillis(200));
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.E));
        }
    }
}
