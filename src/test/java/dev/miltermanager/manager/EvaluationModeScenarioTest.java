package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A child in evaluation mode runs and is counted, but its reject, temporary failure and discard count as accept
 * and its edits are dropped; conditions still read its real status (design.md §3 "Evaluation mode"; the
 * reference's {@code *-evaluation*} scenarios).
 */
class EvaluationModeScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    static Stream<Arguments> finalAnswers() {
        return Stream.of(Stage.MAIL, Stage.RCPT, Stage.DATA, Stage.HEADER, Stage.BODY, Stage.EOM)
                .flatMap(stage -> Stream.of("reject", "tempfail", "discard", "451 4.7.1 later", "550 5.7.1 no")
                        .map(answer -> Arguments.of(stage, answer)));
    }

    private static FakeReply reply(String name) {
        return switch (name) {
            case "reject" -> FakeReply.REJECT;
            case "tempfail" -> FakeReply.TEMPFAIL;
            case "discard" -> FakeReply.DISCARD;
            default -> FakeReply.replyCode(name);
        };
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("finalAnswers")
    void anEvaluatedChildsFinalAnswerCountsAsAccept(Stage stage, String answer) throws Exception {
        FakeMilter evaluated = fx.fake(s -> s.actions().reply(stage, reply(answer)));
        FakeMilter other = fx.fake(s -> s.actions().reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = fx.inProcess(fx.manager(child("evaluated", evaluated).evaluationMode(true).build(),
                child("other", other).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();

        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.quit();
        FakeSession session = ended(other.takeSession(FanOutFixture.WAIT));
        assertTrue(session.message(0).endOfMessage(), "the message went on for the other child");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reject", "tempfail", "discard", "550 5.7.1 no"})
    void aLoneEvaluatedChildsFinalAnswerAtRcptLetsTheMtaAccept(String answer) throws Exception {
        FakeMilter evaluated = fx.fake(s -> s.reply(Stage.RCPT, reply(answer)));
        Mta mta = fx.inProcess(fx.manager(child("evaluated", evaluated).evaluationMode(true).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.Accept(), mta.rcpt("<bob@example.net>"));
    }

    @Test
    void anEvaluatedChildsEditsAreDroppedAndLaterChildrenDoNotSeeThem() throws Exception {
        FakeMilter evaluated = fx.fake(s -> s.actions(Action.ALL).reply(Stage.EOM, FakeReply.REJECT).edits(
                new Response.AddHeader("X-Evaluated", "yes"),
                new Response.ChangeFrom("<other@example.org>"),
                new Response.AddRecipient("<spy@example.net>"),
                new Response.DeleteRecipient("<bob@example.net>"),
                Response.ReplaceBody.of("replaced\r\n".getBytes(StandardCharsets.US_ASCII)),
                new Response.Quarantine("evaluated")));
        FakeMilter later = fx.fake(s -> s.actions(Action.ADD_HEADERS).reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = fx.inProcess(fx.manager(child("evaluated", evaluated).evaluationMode(true).build(),
                child("later", later).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        mta.header("Subject", "hi");
        mta.eoh();
        mta.body("original\r\n");

        assertEquals(List.of(new Response.Continue()), mta.eom());
        mta.quit();
        FakeSession.Message seen = ended(later.takeSession(FanOutFixture.WAIT)).message(0);
        assertEquals(List.of(new Command.Header("Subject", "hi")), seen.headers());
        assertEquals("original\r\n", seen.bodyText());
        evaluated.assertNoErrors();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"REJECT", "TEMPORARY_FAILURE", "DISCARD"})
    void aConditionReadsTheEvaluatedChildsRealStatus(Status real) throws Exception {
        FakeMilter evaluated = fx.fake(s -> s.reply(Stage.MAIL, reply(switch (real) {
            case REJECT -> "reject";
            case TEMPORARY_FAILURE -> "tempfail";
            default -> "discard";
        })));
        FakeMilter watcher = fx.fake(s -> s);
        ApplicabilityPolicy onlyWhenEvaluatedObjects = ctx -> ctx.stage() != Stage.RCPT
                || ctx.session().childStatus("evaluated").orElse(null) == real;
        Mta mta = fx.inProcess(fx.manager(child("evaluated", evaluated).evaluationMode(true).build(),
                child("watcher", watcher).addCondition(onlyWhenEvaluatedObjects).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();

        assertEquals(new Response.Continue(), mta.mail("<a@example.org>"));
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));
        mta.quit();
        assertEquals(List.of("<bob@example.net>"), ended(watcher.takeSession(FanOutFixture.WAIT)).recipients());
    }

    @Test
    void aConditionOnAContinuingEvaluatedChildDoesNotFire() throws Exception {
        FakeMilter evaluated = fx.fake(s -> s);
        FakeMilter watcher = fx.fake(s -> s);
        ApplicabilityPolicy onlyWhenEvaluatedRejects = ctx -> ctx.stage() != Stage.RCPT
                || ctx.session().childStatus("evaluated").orElse(null) == Status.REJECT;
        Mta mta = fx.inProcess(fx.manager(child("evaluated", evaluated).evaluationMode(true).build(),
                child("watcher", watcher).addCondition(onlyWhenEvaluatedRejects).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.quit();

        assertEquals(List.of(), ended(watcher.takeSession(FanOutFixture.WAIT)).recipients());
    }
}
