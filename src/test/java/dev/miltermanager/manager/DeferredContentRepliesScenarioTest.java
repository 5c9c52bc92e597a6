package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * {@code defer_content_replies}: the MTA is asked not to wait for the answers to headers, end of headers and body
 * chunks; the children are still asked in step, in the same order as without it, and a final answer among them is
 * given at end of message, with its reply code, while the children still in the message get ABORT and no more of it.
 */
class DeferredContentRepliesScenarioTest {
    private static final int CONTENT_NO_REPLIES = ProtocolFlag.NR_HEADER.bit() | ProtocolFlag.NR_EOH.bit()
            | ProtocolFlag.NR_BODY.bit();

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private MilterManager manager(boolean defer, FakeMilter... fakes) {
        MilterManagerConfig.Builder config = MilterManagerConfig.builder().deferContentReplies(defer);
        for (int i = 0; i < fakes.length; i++) {
            config.addChild(child("child" + i, fakes[i]).build());
        }
        return fx.manager(config);
    }

    /** A child that negotiates no modification: it is fed in step with the MTA. */
    private FakeMilter reading(FakeReply atSpamHeader) throws Exception {
        return fx.fake(s -> s.actions(0).on(Stage.HEADER, "X-Spam: yes", atSpamHeader));
    }

    private static Mta inMessage(Mta mta) {
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<b@example.net>");
        mta.data();
        return mta;
    }

    private static List<Response> header(Mta mta, String name, String value) {
        return mta.send(new Command.Header(name, value));
    }

    @Test
    void theMtaIsAskedNotToWaitForContentAnswersWhereItOffersIt() throws Exception {
        FakeMilter fake = reading(FakeReply.CONTINUE);
        Response.Negotiate deferred = fx.inProcess(manager(true, fake)).negotiate();
        assertEquals(CONTENT_NO_REPLIES, deferred.protocol() & ProtocolFlag.ALL_NO_REPLIES,
                "headers, end of headers, body; not the envelope, whose answers the SMTP client sees at once");
        Response.Negotiate usual = fx.inProcess(manager(false, fake)).negotiate();
        assertEquals(0, usual.protocol() & ProtocolFlag.ALL_NO_REPLIES);
        Response.Negotiate notOffered = fx.inProcess(manager(true, fake)).negotiate(6, Action.ALL,
                ProtocolFlag.ALL & ~ProtocolFlag.NR_HEADER.bit());
        assertEquals(ProtocolFlag.NR_EOH.bit() | ProtocolFlag.NR_BODY.bit(),
                notOffered.protocol() & ProtocolFlag.ALL_NO_REPLIES, "only what the MTA offers");
    }

    @Test
    void aRejectAtAHeaderIsGivenAtEndOfMessageAndTheLaterChildReadsNoFurther() throws Exception {
        FakeMilter first = reading(FakeReply.replyCode("550 5.7.1 no spam here"));
        FakeMilter second = reading(FakeReply.CONTINUE);
        Mta mta = inMessage(fx.inProcess(manager(true, first, second)));

        assertEquals(List.of(), header(mta, "Subject", "hello"));
        assertEquals(List.of(), header(mta, "X-Spam", "yes"), "no answer: the MTA does not wait for one");
        assertEquals(List.of(), header(mta, "From", "a@example.org"));
        assertEquals(List.of(), mta.send(new Command.EndOfHeaders()));
        assertEquals(List.of(), mta.send(Command.Body.of("spam\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(List.of(new Response.ReplyCode(SmtpReply.parse("550 5.7.1 no spam here"))), mta.eom());

        for (FakeMilter child : List.of(first, second)) {
            List<String> saw = trace(child.sessions().getFirst().await(session -> session.abortCount() == 1,
                    FanOutFixture.WAIT, "the ABORT"));
            assertEquals(List.of("header Subject", "header X-Spam", "abort"),
                    saw.subList(saw.indexOf("data") + 1, saw.size()), "ABORT, then nothing of the rest");
        }
    }

    @Test
    void withoutAFinalAnswerTheMessageGoesThroughAsUsual() throws Exception {
        FakeMilter reader = reading(FakeReply.REJECT);
        FakeMilter editor = fx.fake(s -> s.actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Checked", "yes")));
        Mta mta = inMessage(fx.inProcess(manager(true, reader, editor)));

        assertEquals(List.of(), header(mta, "Subject", "hello"));
        assertEquals(List.of(), mta.send(new Command.EndOfHeaders()));
        assertEquals(List.of(), mta.send(Command.Body.of("ham\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(List.of(new Response.AddHeader("X-Checked", "yes"), new Response.Continue()), mta.eom());
        mta.quit();
        assertEquals(List.of("header Subject", "eoh", "body", "eom"),
                after(trace(FanOutFixture.ended(editor.sessions().getFirst())), "data"),
                "the replayed child gets the whole message at end of message");
    }

    private static List<String> after(List<String> tags, String anchor) {
        List<String> rest = tags.subList(tags.indexOf(anchor) + 1, tags.size());
        return rest.subList(0, rest.contains("quit") ? rest.indexOf("quit") : rest.size());
    }
}
