package dev.miltermanager.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSimulator;
import dev.miltermanager.testing.TestMessage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TestClientTest {

    @Test
    void printsEveryEventWithItsMacros() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        CountDownLatch stop = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> status = pool.submit(() -> TestClient.run(
                    new String[] {"-s", "inet:0@[127.0.0.1]", "-v"}, print, print, stop));
            ConnectionSpec spec = awaitListening(out);
            MilterResult result = MtaSimulator.of(MtaProfile.SENDMAIL).run(spec, TestMessage.builder()
                    .from("alice@example.org", "SIZE=10").to("bob@example.net").header("Subject", "hi")
                    .body("line one\n").build());
            result.assertThat().isDelivered().hasNoEdits();
            awaitText(out, "[1] quit");
            stop.countDown();
            assertEquals(0, status.get(5, TimeUnit.SECONDS));
        }
        String text = out.toString(StandardCharsets.UTF_8);
        for (String expected : new String[] {"[1] negotiate: ",
                "[1] connect: mx.example.net INET 192.168.123.123 port 50443", "[1]   macro {if_name} = localhost",
                "[1] helo: delian", "[1] envelope-from: <alice@example.org> SIZE=10",
                "[1]   macro {mail_addr} = alice@example.org", "[1] envelope-recipient: <bob@example.net>",
                "[1] header: Subject: hi", "[1] body: 10 bytes\n[1]   line one", "[1] end-of-message",
                "[1]   macro {msg_id} = "}) {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
    }

    private static ConnectionSpec awaitListening(ByteArrayOutputStream out) throws InterruptedException {
        Pattern listening = Pattern.compile("listening on (\\S+)");
        for (int i = 0; i < 200; i++) {
            Matcher m = listening.matcher(out.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                return ConnectionSpec.parse(m.group(1));
            }
            Thread.sleep(25);
        }
        throw new AssertionError("milter-test-client did not start: " + out);
    }

    private static void awaitText(ByteArrayOutputStream out, String text) throws InterruptedException {
        for (int i = 0; i < 200 && !out.toString(StandardCharsets.UTF_8).contains(text); i++) {
            Thread.sleep(25);
        }
    }
}
