package dev.miltermanager.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InteropChild;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TestServerTest {

    private record Run(int status, String out, String err) {
        /** The output with the elapsed time, which varies, replaced as the reference's own tests do. */
        String normalized() {
            return out.replaceAll("elapsed-time: [0-9.e-]+ seconds", "elapsed-time: XXX seconds");
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TestServer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void defaultSessionPrintsPassAndTheUnchangedMessage() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            Run run = run("-s", milter.connectionSpec().toString(), "--output-message");
            assertEquals(0, run.status(), run.err());
            assertEquals("""
                    status: pass
                    elapsed-time: XXX seconds

                    Envelope:------------------------------
                      MAIL FROM:<sender@example.com>
                      RCPT TO:<receiver@example.org>
                    Header:--------------------------------
                      From: <sender@example.com>
                      To: <receiver@example.org>
                    Body:----------------------------------
                    La de da de da 1.
                    La de da de da 2.
                    La de da de da 3.
                    La de da de da 4.
                    """, run.normalized());
            FakeSession session = milter.takeSession(Duration.ofSeconds(5));
            session.awaitEnd(Duration.ofSeconds(5));
            assertEquals("milter-test-server",
                    session.received(Stage.CONNECT).getFirst().macros().get("{daemon_name}"));
        }
    }

    @Test
    void editsShowAsTheReferenceDiff() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(
                new Response.AddHeader("X-Added", "yes"),
                new Response.ChangeHeader(1, "Subject", "new subject"),
                new Response.ChangeFrom("<other@example.com>", ""),
                new Response.AddRecipient("<added@example.org>"),
                new Response.DeleteRecipient("<receiver@example.org>"),
                Response.ReplaceBody.of("replaced\r\n".getBytes(StandardCharsets.US_ASCII)),
                new Response.Quarantine("suspicious")).start()) {
            Run run = run("-s", milter.connectionSpec().toString(), "-h", "Subject:old subject", "--output-message");
            assertEquals(0, run.status(), run.err());
            assertEquals("""
                    status: pass
                    elapsed-time: XXX seconds
                    Quarantine reason: <suspicious>

                    Envelope:------------------------------
                    - MAIL FROM:<sender@example.com>
                    + MAIL FROM:<other@example.com>
                    - RCPT TO:<receiver@example.org>
                    + RCPT TO:<added@example.org>
                    Header:--------------------------------
                    + Subject: new subject
                    - Subject: old subject
                      From: <sender@example.com>
                      To: <receiver@example.org>
                    + X-Added: yes
                    Body:----------------------------------
                    replaced

                    """, run.normalized());
        }
    }

    @Test
    void aReplyCodeIsPrintedAfterTheStatus() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.RCPT, FakeReply.replyCode("550 5.7.1 go away")).start()) {
            Run run = run("-s", milter.connectionSpec().toString());
            assertEquals("status: reject [550]<5.7.1>(go away)\nelapsed-time: XXX seconds\n", run.normalized());
        }
    }

    @Test
    void againstTheManagerTheStatusIsTheFoldedOne() throws Exception {
        try (FakeMilter accepting = FakeMilter.builder().start();
             FakeMilter rejecting = FakeMilter.builder().reply(Stage.EOM, FakeReply.TEMPFAIL).start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                     .addChild(ChildConfig.of("a", accepting.connectionSpec()))
                     .addChild(ChildConfig.of("b", rejecting.connectionSpec())).build())) {
            manager.start();
            Run run = run("-s", manager.localSpec().toString(), "--n-messages", "2");
            assertEquals("status: temporary-failure\nelapsed-time: XXX seconds\n".repeat(2), run.normalized());
        }
    }

    @Test
    void jsonAndProfileAndSeveralMessages() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().edits(new Response.InsertHeader(0, "X-Top", "t")).start()) {
            Run run = run("-s", milter.connectionSpec().toString(), "--profile", "postfix", "--json",
                    "--n-messages=2", "-f", "a@example.com", "-r", "b@example.org", "-r", "c@example.org");
            String[] lines = run.out().split("\n");
            assertEquals(2, lines.length, run.out());
            assertTrue(lines[0].startsWith("{\"status\":\"pass\",\"decided_at\":\"eom\""), lines[0]);
            assertTrue(lines[0].contains("\"recipients\":[\"<b@example.org>\",\"<c@example.org>\"]"), lines[0]);
            assertTrue(lines[0].contains("\"headers\":[[\"X-Top\",\"t\"],[\"Received\","), lines[0]);
            FakeSession session = milter.takeSession(Duration.ofSeconds(5));
            session.awaitEnd(Duration.ofSeconds(5));
            assertEquals(2, session.messages().size());
            assertEquals(2, session.abortCount());
        }
    }

    @Test
    void againstALibmilterChild() {
        try (InteropChild child = InteropChild.c("ts").rule("mail:<spammer@=reply:550:5.7.1:no spam")
                .edit("add-header:X-Child:{name}").edit("del-rcpt:<receiver@example.org>")
                .edit("add-rcpt:<other@example.org>").start()) {
            Run passed = run("-s", child.connectionSpec(), "--output-message", "-b", "one line");
            assertEquals("""
                    status: pass
                    elapsed-time: XXX seconds

                    Envelope:------------------------------
                      MAIL FROM:<sender@example.com>
                    - RCPT TO:<receiver@example.org>
                    + RCPT TO:<other@example.org>
                    Header:--------------------------------
                      From: <sender@example.com>
                      To: <receiver@example.org>
                    + X-Child: ts
                    Body:----------------------------------
                    one line
                    """, passed.normalized());
            Run rejected = run("-s", child.connectionSpec(), "-f", "spammer@example.com");
            assertEquals("status: reject [550]<5.7.1>(no spam)\nelapsed-time: XXX seconds\n", rejected.normalized());
        }
    }

    @Test
    void cannotConnectExitsNonZero() {
        Run run = run("-s", "unix:/nonexistent/milter.sock");
        assertEquals(1, run.status());
        assertTrue(run.out().startsWith("cannot connect to the milter at unix:/nonexistent/milter.sock"), run.out());
    }

    @Test
    void badOptionsExitTwoWithAHint() {
        Run run = run("-s", "inet:1@[127.0.0.1]", "--no-such-option");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("unknown option --no-such-option"), run.err());
        assertEquals(0, run("--help").status());
        assertTrue(run("--help").out().contains("--end-of-message-macro"));
    }
}
