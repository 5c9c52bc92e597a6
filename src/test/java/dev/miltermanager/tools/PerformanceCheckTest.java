package dev.miltermanager.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.PostfixInstance;
import dev.miltermanager.interop.SmtpSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
            assertEquals(java.util.List.of("0", "0", "0"), java.util.List.of(columns[6], columns[7], columns[8]));
            double min = Double.parseDouble(columns[4]);
            double p50 = Double.parseDouble(columns[9]);
            double max = Double.parseDouble(columns[3]);
            assertTrue(min <= p50 && p50 <= max, report);
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
