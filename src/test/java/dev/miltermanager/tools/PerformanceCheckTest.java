package dev.miltermanager.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.PostfixInstance;
import dev.miltermanager.interop.SmtpSink;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** milter-performance-check against a private Postfix relaying to a sink. */
class PerformanceCheckTest {

    @Test
    void reportsTheTableAgainstPostfix() {
        try (SmtpSink sink = SmtpSink.start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink).start()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
            int status = PerformanceCheck.run(new String[] {"--smtp-server=127.0.0.1",
                    "--smtp-port=" + postfix.smtpPort(), "--n-mails=30", "--n-concurrent-connections=3",
                    "--recipient=rcpt@example.net", "--report-periodically=0.5", "--n-additional-lines=3"},
                    print, print);
            String report = out.toString(StandardCharsets.UTF_8);
            System.out.print(report); // the table, for the build log
            assertEquals(0, status, report + postfix.log());
            assertTrue(report.startsWith(
                    "      Time    Sent   mails/s   Max(s)   Min(s)   Avg(s)   4XX   5XX  Error   p50(s)   p90(s)"
                    + "   p99(s)\n"), report);
            String total = report.lines().filter(l -> l.startsWith("     Total")).findFirst().orElseThrow();
            String[] columns = total.trim().split("\\s+");
            assertEquals("30", columns[1], report);
            assertTrue(Double.parseDouble(columns[2]) > 0, report);
            assertEquals(List.of("0", "0", "0"), List.of(columns[6], columns[7], columns[8]));
            double min = Double.parseDouble(columns[4]);
            double p50 = Double.parseDouble(columns[9]);
            double max = Double.parseDouble(columns[3]);
            assertTrue(min <= p50 && p50 <= max, report);
        }
    }

    @Test
    void theClientSeenByTheMiltersComesFromXclient() throws Exception {
        try (SmtpSink sink = SmtpSink.start();
             FakeMilter milter = FakeMilter.builder().start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                     .milters("inet:127.0.0.1:" + ((ConnectionSpec.Inet) milter.connectionSpec()).port())
                     .set("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                     .set("mynetworks", "127.0.0.0/8 192.0.2.0/24").start()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
            int status = PerformanceCheck.run(new String[] {"--smtp-server=127.0.0.1",
                    "--smtp-port=" + postfix.smtpPort(), "--n-mails=2", "--n-concurrent-connections=1",
                    "--recipient=rcpt@example.net", "--connect-host=mx.example.com", "--connect-address=192.0.2.9",
                    "--report-failure-responses"},
                    print, print);
            assertEquals(0, status, out.toString(StandardCharsets.UTF_8) + postfix.log());
            // Postfix sends the milters a new CONNECT with the XCLIENT attributes once they change the client
            List<Command.Connect> connects = milter.sessions().stream()
                    .flatMap(session -> session.commands(Command.Connect.class).stream()).toList();
            assertTrue(connects.stream().anyMatch(c -> c.hostname().equals("mx.example.com")
                    && c.address().equals("192.0.2.9")), connects + "\n" + milter.transcript());
        }
    }

    @Test
    void refusalsAndErrorsAreCounted() {
        try (SmtpSink sink = SmtpSink.start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                     .set("smtpd_recipient_restrictions", "check_recipient_access inline:{refused@example.net=REJECT},"
                             + "permit_mynetworks,reject").start()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
            int status = PerformanceCheck.run(new String[] {"--smtp-server=127.0.0.1",
                    "--smtp-port=" + postfix.smtpPort(), "--n-mails=4", "--n-concurrent-connections=2",
                    "--recipient=refused@example.net", "--report-failure-responses"}, print, print);
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, report);
            String[] total = report.lines().filter(l -> l.startsWith("     Total")).findFirst().orElseThrow()
                    .trim().split("\\s+");
            assertEquals("4", total[7], report);
            assertTrue(report.contains("failure: 554"), report);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(1, PerformanceCheck.run(new String[] {"--smtp-server=127.0.0.1", "--smtp-port=1",
                "--n-mails=2", "--reading-timeout=2"}, print, print));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("     Total       2"), out.toString());
    }
}
