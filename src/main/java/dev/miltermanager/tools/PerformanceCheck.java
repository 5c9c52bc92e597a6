package dev.miltermanager.tools;

import dev.miltermanager.testing.TestMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * {@code milter-performance-check}: sends mail to an SMTP server over several concurrent connections and reports
 * the rate, the time per mail (max, min, average and percentiles) and the failures, as the reference's tool does.
 * See {@code docs/tools.md}.
 */
public final class PerformanceCheck {
    private static final Set<String> WITH_VALUE = Set.of("smtp-server", "smtp-port", "helo-fqdn", "from",
            "recipient", "n-mails", "n-concurrent-connections", "period", "interval", "reading-timeout",
            "n-additional-lines", "force-from", "force-recipient", "connect-host", "connect-address");
    private static final Set<String> FLAGS = Set.of("flood", "report-periodically",
            "report-failure-responses", "no-report-failure-responses", "shuffle", "no-shuffle", "version", "help");

    static final String USAGE = """
            Usage: milter-performance-check [options] [MAIL-FILE-OR-DIRECTORY...]
            Sends mail to an SMTP server (an MTA with its milters) and reports how fast it went.

                --smtp-server=HOST              the server (localhost)
                --smtp-port=PORT                its port (25)
                --helo-fqdn=FQDN                EHLO name (localhost.localdomain)
                --connect-host=HOST             client host name for the MTA's milters, through Postfix's XCLIENT
                --connect-address=ADDRESS       client address for the MTA's milters, through Postfix's XCLIENT
                                                (the server must allow it: smtpd_authorized_xclient_hosts)
                --from=ADDRESS                  envelope sender (from@example.com)
                --force-from=ADDRESS            use it even for mail files (whose From: is used otherwise)
                --recipient=ADDRESS             envelope recipient, repeatable (to@example.com)
                --force-recipient=ADDRESS       use it even for mail files (whose To: is used otherwise)
                --n-mails=N                     how many mails to send (100)
                --n-concurrent-connections=N    SMTP sessions at once (10)
                --n-additional-lines=N          lines added to each generated body (0)
                --period=SECONDS                spread the mails evenly over this time (default: as fast as possible)
                --interval=SECONDS              pause between two mails of one connection (0)
                --[no-]shuffle                  send the mail files in a random order (off)
                --flood[=SECONDS]               send as fast as possible for SECONDS (60), ignoring --n-mails
                --report-periodically[=SECONDS] print a row of the table every SECONDS (1)
                --[no-]report-failure-responses print each 4XX/5XX reply and error (off)
                --reading-timeout=SECONDS       waiting for each reply (60)
                --version                       print the version
                --help                          print this help
            Mail files (or directories of them) are sent in turn; without them a small message is generated.
            Columns: Time, Sent, mails/s, Max(s), Min(s), Avg(s), 4XX, 5XX, Error, then p50(s), p90(s), p99(s).
            Exit status: 0 when every mail was accepted, 1 when some were not, 2 for bad options.
            """;

    private PerformanceCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Plan plan;
        try {
            Arguments a = Arguments.parse(args, WITH_VALUE, FLAGS, Map.of());
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
            if (a.has("version")) {
                out.println("milter-performance-check " + Version.current());
                return 0;
            }
            plan = Plan.of(a);
        } catch (IllegalArgumentException | IOException e) {
            err.println("milter-performance-check: " + e.getMessage());
            err.println("Try 'milter-performance-check --help'.");
            return 2;
        }
        Statistics total = new Statistics();
        Statistics window = new Statistics();
        ReentrantLock lock = new ReentrantLock();
        long start = System.nanoTime();
        AtomicLong next = new AtomicLong();
        AtomicLong lastRow = new AtomicLong(start);
        out.println(Statistics.HEADER);
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
             var reporter = Executors.newSingleThreadScheduledExecutor()) {
            if (plan.reportEvery != null) {
                long every = plan.reportEvery.toMillis();
                reporter.scheduleAtFixedRate(() -> {
                    lock.lock();
                    try {
                        long now = System.nanoTime();
                        out.println(window.row(seconds(now - start) + "s", (now - lastRow.get()) / 1e9));
                        lastRow.set(now);
                        window.clear();
                    } finally {
                        lock.unlock();
                    }
                }, every, every, TimeUnit.MILLISECONDS);
            }
            for (int w = 0; w < plan.connections; w++) {
                workers.submit(() -> {
                    while (true) {
                        long i = next.getAndIncrement();
                        long now = System.nanoTime() - start;
                        if (plan.flood != null ? now >= plan.flood.toNanos() : i >= plan.mails) {
                            return null;
                        }
                        if (plan.period != null) {
                            long due = plan.period.toNanos() * i / plan.mails;
                            if (due > now) {
                                Thread.sleep(Duration.ofNanos(due - now));
                            }
                        }
                        Plan.Mail mail = plan.mail(i);
                        long t0 = System.nanoTime();
                        SmtpSender.Outcome outcome = SmtpSender.send(plan.host, plan.port, plan.helo, plan.xclient, mail.from(),
                                mail.recipients(), mail.bytes(), plan.readingTimeout);
                        long took = System.nanoTime() - t0;
                        lock.lock();
                        try {
                            total.add(took, outcome);
                            window.add(took, outcome);
                            if (plan.reportFailures && !outcome.accepted()) {
                                out.println("failure: " + (outcome.error() != null ? outcome.error()
                                        : outcome.reply().replace('\n', ' ')));
                            }
                        } finally {
                            lock.unlock();
                        }
                        if (!plan.interval.isZero()) {
                            Thread.sleep(plan.interval);
                        }
                    }
                });
            }
            workers.shutdown();
            workers.awaitTermination(365, TimeUnit.DAYS);
            reporter.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        lock.lock();
        try {
            if (plan.reportEvery != null) {
                long now = System.nanoTime();
                if (window.count() > 0) {
                    out.println(window.row(seconds(now - start) + "s", (now - lastRow.get()) / 1e9));
                }
                out.println();
                out.println(Statistics.HEADER);
            }
            out.println(total.row("Total", elapsed));
        } finally {
            lock.unlock();
        }
        return total.allAccepted() ? 0 : 1;
    }


    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    /** What to send and how. */
    private record Plan(String host, int port, String helo, String xclient, int mails, int connections, Duration period,
            Duration interval, Duration flood, Duration reportEvery, Duration readingTimeout, boolean reportFailures,
            List<Mail> templates) {

        record Mail(String from, List<String> recipients, byte[] bytes) {
        }

        Mail mail(long i) {
            return templates.get((int) (i % templates.size()));
        }

        static Plan of(Arguments a) throws IOException {
            String from = a.get("force-from", a.get("from", "from@example.com"));
            List<String> recipients = a.all("recipient").isEmpty() ? List.of("to@example.com") : a.all("recipient");
            List<Mail> templates = new ArrayList<>();
            for (String operand : a.operands()) {
                Path path = Path.of(operand);
                List<Path> files;
                if (Files.isDirectory(path)) {
                    try (Stream<Path> list = Files.list(path)) {
                        files = list.filter(Files::isRegularFile).sorted().toList();
                    }
                } else {
                    files = List.of(path);
                }
                for (Path file : files) {
                    byte[] bytes = Files.readAllBytes(file);
                    TestMessage parsed = TestMessage.parse(bytes);
                    String mailFrom = a.has("force-from") ? from : strip(parsed.sender());
                    List<String> to = a.has("force-recipient") ? a.all("force-recipient")
                            : parsed.recipients().stream().map(r -> strip(r.address())).toList();
                    templates.add(new Mail(mailFrom, to, bytes));
                }
            }
            if (templates.isEmpty()) {
                StringBuilder body = new StringBuilder("Subject: milter-performance-check\r\nFrom: <" + from
                        + ">\r\nTo: <" + recipients.getFirst() + ">\r\n\r\nThis is a test mail.\r\n");
                for (int i = 0; i < a.integer("n-additional-lines", 0); i++) {
                    body.append("Additional line ").append(i + 1).append(".\r\n");
                }
                templates.add(new Mail(from, a.has("force-recipient") ? a.all("force-recipient") : recipients,
                        body.toString().getBytes(StandardCharsets.UTF_8)));
            }
            int mails = a.integer("n-mails", 100);
            int connections = a.integer("n-concurrent-connections", 10);
            if (mails < 1 || connections < 1) {
                throw new IllegalArgumentException("--n-mails and --n-concurrent-connections must be 1 or more");
            }
            Duration flood = a.has("flood") ? seconds(a, "flood", 60) : null;
            Duration report = a.has("report-periodically") ? seconds(a, "report-periodically", 1) : null;
            if (a.has("shuffle") && !a.has("no-shuffle")) {
                java.util.Collections.shuffle(templates);
            }
            return new Plan(a.get("smtp-server", "localhost"), a.integer("smtp-port", 25),
                    a.get("helo-fqdn", "localhost.localdomain"), xclient(a), mails, connections,
                    a.has("period") ? seconds(a, "period", 0) : null, a.has("interval") ? seconds(a, "interval", 0)
                    : Duration.ZERO, flood, report, seconds(a, "reading-timeout", 60),
                    a.has("report-failure-responses") && !a.has("no-report-failure-responses"), templates);
        }

        private static String xclient(Arguments a) {
            String attributes = (a.has("connect-host") ? " NAME=" + a.get("connect-host", "") : "")
                    + (a.has("connect-address") ? " ADDR=" + a.get("connect-address", "") : "");
            return attributes.isEmpty() ? null : attributes.substring(1);
        }

        private static Duration seconds(Arguments a, String name, double fallback) {
            String v = a.get(name, "");
            double value = v.isEmpty() ? fallback : a.number(name, fallback);
            if (value < 0) {
                throw new IllegalArgumentException("--" + name + " must not be negative");
            }
            return Duration.ofNanos((long) (value * 1e9));
        }

        private static String strip(String address) {
            return address.startsWith("<") && address.endsWith(">") ? address.substring(1, address.length() - 1)
                    : address;
        }
    }

    /** Times and outcomes of the mails of one period or of the whole run. Guarded by the caller's lock. */
    private static final class Statistics {
        static final String HEADER = String.format(Locale.ROOT, "%10s %7s %9s %8s %8s %8s %5s %5s %6s %8s %8s %8s",
                "Time", "Sent", "mails/s", "Max(s)", "Min(s)", "Avg(s)", "4XX", "5XX", "Error", "p50(s)", "p90(s)",
                "p99(s)");
        private final List<Long> times = new ArrayList<>();
        private int temporary;
        private int permanent;
        private int errors;

        void add(long nanos, SmtpSender.Outcome outcome) {
            times.add(nanos);
            if (outcome.error() != null) {
                errors++;
            } else if (outcome.replyCode() / 100 == 4) {
                temporary++;
            } else if (outcome.replyCode() / 100 == 5) {
                permanent++;
            }
        }

        int count() {
            return times.size();
        }

        boolean allAccepted() {
            return temporary == 0 && permanent == 0 && errors == 0;
        }

        void clear() {
            times.clear();
            temporary = 0;
            permanent = 0;
            errors = 0;
        }

        String row(String label, double elapsedSeconds) {
            List<Long> sorted = times.stream().sorted().toList();
            long max = sorted.isEmpty() ? 0 : sorted.getLast();
            long min = sorted.isEmpty() ? 0 : sorted.getFirst();
            long avg = sorted.isEmpty() ? 0 : (long) sorted.stream().mapToLong(Long::longValue).average().orElse(0);
            return String.format(Locale.ROOT, "%10s %7d %9.2f %8s %8s %8s %5d %5d %6d %8s %8s %8s", label,
                    sorted.size(), elapsedSeconds > 0 ? sorted.size() / elapsedSeconds : 0.0, seconds(max),
                    seconds(min), seconds(avg), temporary, permanent, errors, seconds(percentile(sorted, 50)),
                    seconds(percentile(sorted, 90)), seconds(percentile(sorted, 99)));
        }

        /** The nearest-rank percentile. */
        static long percentile(List<Long> sorted, int p) {
            if (sorted.isEmpty()) {
                return 0;
            }
            int rank = (int) Math.ceil(p / 100.0 * sorted.size());
            return sorted.get(Math.max(0, rank - 1));
        }
    }
}
