package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSession;
import dev.miltermanager.testing.MtaSimulator;
import dev.miltermanager.testing.TestMessage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test kit's MTA simulator against real milters: OpenDKIM (Debian package {@code opendkim}) signing with a key
 * the test generates and then verifying the signed message with the public key given through
 * {@code TestPublicKeys} (no DNS), and a libmilter child.
 */
class SimulatorDrivesRealMiltersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static TestMessage message() {
        return TestMessage.builder().from("alice@example.org").to("bob@example.net")
                .header("From", "Alice <alice@example.org>").header("To", "<bob@example.net>")
                .header("Subject", "signed by the test kit").header("Message-ID", "<1@example.org>")
                .body("Hello Bob,\n\nthis message is signed.\n").build();
    }

    @Test
    void openDkimSignsAndTheSignatureVerifiesWithOpenDkim(@TempDir Path dir) throws Exception {
        try (OpenDkim dkim = OpenDkim.start(dir)) {
            MtaSimulator internal = MtaSimulator.builder().profile(MtaProfile.POSTFIX)
                    .connectAddress("inet:41000@[127.0.0.1]").connectHost("localhost").build();
            MilterResult signed = internal.run(dkim.spec(), message());
            signed.assertThat().isDelivered().hasHeader("DKIM-Signature");
            String signature = signed.message().header("DKIM-Signature").orElseThrow();
            assertTrue(signature.contains("d=example.org") && signature.contains("s=test"), signature);

            MtaSimulator external = MtaSimulator.builder().profile(MtaProfile.POSTFIX)
                    .connectAddress("inet:41000@[192.0.2.7]").connectHost("mx.example.net").build();
            MilterResult verified = external.run(dkim.spec(), TestMessage.parse(signed.message().toBytes()));
            String results = verified.message().header("Authentication-Results").orElseThrow(
                    () -> new AssertionError("no Authentication-Results\n" + verified.transcript()));
            assertTrue(results.contains("dkim=pass"), results + "\n" + verified.transcript());

            TestMessage tampered = TestMessage.parse(signed.message().toBytes()).toBuilder()
                    .body("Hello Bob,\n\nthis message was changed.\n").build();
            MilterResult failed = external.run(dkim.spec(), tampered);
            String failedResults = failed.message().header("Authentication-Results").orElseThrow();
            assertTrue(failedResults.contains("dkim=fail"), failedResults);
        }
    }

    @Test
    void libmilterChildEditsShowInTheAppliedMessage() {
        try (InteropChild child = InteropChild.c("kit")
                .rule("rcpt:<nobody@=reply:550:5.1.1:no such user")
                .edit("add-header:X-Seen-By:{name}")
                .edit("insert-header:0:X-Top:first")
                .edit("change-header:Subject:1:rewritten")
                .edit("add-rcpt:<extra@example.net>")
                .edit("replace-body:replaced\\n")
                .start();
             MtaSession session = MtaSimulator.of(MtaProfile.POSTFIX)
                     .open(ConnectionSpec.parse(child.connectionSpec()))) {
            MilterResult first = session.send(message().toBuilder().to("nobody@example.net").build());
            MilterResult second = session.send(message());
            session.quit();

            first.assertThat().isDelivered().hasRecipients("<bob@example.net>", "<extra@example.net>")
                    .hasHeader("X-Seen-By", "kit").hasHeader("Subject", "rewritten").hasBody("replaced\r\n");
            assertEquals(1, first.rejectedRecipients().size());
            assertEquals(Status.REJECT, first.rejectedRecipients().getFirst().status());
            assertEquals(List.of("X-Top", "Received", "From", "To", "Subject", "Message-ID", "X-Seen-By"),
                    first.message().headers().stream().map(TestMessage.HeaderField::name).toList());
            second.assertThat().hasStatusAt(Status.CONTINUE, Stage.EOM).hasHeader("X-Seen-By", "kit");
            List<String> events = child.awaitEvent("close", WAIT);
            assertEquals(2, events.stream().filter(e -> e.startsWith("eom ")).count(), String.join("\n", events));
            // libmilter drops the ABORT Postfix sends after end of message (ENDM -> ABRT is not a legal step)
        }
    }

    /** OpenDKIM in the foreground on a loopback port, signing for example.org with a fresh key. */
    private static final class OpenDkim implements AutoCloseable {
        private final Process process;
        private final ConnectionSpec spec;
        private final Path output;

        private OpenDkim(Process process, ConnectionSpec spec, Path output) {
            this.process = process;
            this.spec = spec;
            this.output = output;
        }

        static OpenDkim start(Path dir) throws IOException, InterruptedException {
            for (String binary : List.of("/usr/sbin/opendkim", "/usr/sbin/opendkim-genkey")) {
                if (!Files.isExecutable(Path.of(binary))) {
                    throw new IllegalStateException(binary + " is missing: install the Debian packages opendkim "
                            + "and opendkim-tools (.ci/run does)");
                }
            }
            Processes.Result genkey = Processes.run(List.of("/usr/sbin/opendkim-genkey", "-D", dir.toString(),
                    "-d", "example.org", "-s", "test"), WAIT);
            if (!genkey.succeeded()) {
                throw new IllegalStateException("opendkim-genkey failed: " + genkey.output());
            }
            Matcher parts = Pattern.compile("\"([^\"]*)\"").matcher(Files.readString(dir.resolve("test.txt")));
            StringBuilder record = new StringBuilder();
            while (parts.find()) {
                record.append(parts.group(1));
            }
            Files.writeString(dir.resolve("keys"), "test._domainkey.example.org " + record + "\n");
            int port = InteropChild.freePort();
            Files.writeString(dir.resolve("opendkim.conf"), String.join("\n",
                    "Mode sv", "Domain example.org", "Selector test", "KeyFile " + dir.resolve("test.private"),
                    "Socket inet:" + port + "@127.0.0.1", "Background no", "Syslog no", "RequireSafeKeys no",
                    "Canonicalization relaxed/relaxed", "TestPublicKeys " + dir.resolve("keys"),
                    "AuthservID test.example", "InternalHosts 127.0.0.1", "") );
            Path output = dir.resolve("opendkim.out");
            Process process = new ProcessBuilder("/usr/sbin/opendkim", "-f", "-x",
                    dir.resolve("opendkim.conf").toString()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            OpenDkim dkim = new OpenDkim(process, ConnectionSpec.parse("inet:" + port + "@[127.0.0.1]"), output);
            dkim.awaitListening(port);
            return dkim;
        }

        private void awaitListening(int port) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("opendkim exited with " + process.exitValue() + ": "
                            + Files.readString(output, StandardCharsets.UTF_8));
                }
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            close();
            throw new IllegalStateException("opendkim did not listen on port " + port + " within " + WAIT);
        }

        ConnectionSpec spec() {
            return spec;
        }

        @Override
        public void close() {
            Processes.destroyTree(process.toHandle(), Duration.ofSeconds(5));
        }
    }
}
