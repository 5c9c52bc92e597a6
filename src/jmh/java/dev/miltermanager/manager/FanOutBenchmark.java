package dev.miltermanager.manager;

import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The manager's fan-out without an MTA in front: one whole SMTP session with one message (negotiation, CONNECT,
 * HELO, MAIL, RCPT, DATA, four headers, end of headers, a 1000-byte body, end of message, QUIT) handed to an
 * in-process {@link ManagerSession}, which drives N child milters on loopback. The children are Java milters
 * ({@link MilterServer}) in the same JVM that take every event and change nothing, so every child is fed in step
 * and each event is one fan-out: what the non-modifying set of {@code scripts/postfix-load} exercises. The figure
 * is the time per session; with one child, no fan-out happens, which makes it the baseline to compare with.
 *
 * <p>{@code session} runs one session at a time (latency); {@code sessions8} eight at once on the machine's cores
 * (throughput under load, where thread hand-offs cost CPU). Logging is set to warnings, as {@code postfix-load} runs
 * the daemon, so the per-session statistics lines are not counted. See {@code docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {
    private static final Command.Negotiate POSTFIX_OFFER = new Command.Negotiate(6, Action.ALL,
            ProtocolFlag.ALL);
    private static final byte[] BODY = ("x".repeat(78) + "\r\n").repeat(10).getBytes(StandardCharsets.US_ASCII);
    private static final List<Command.Header> HEADERS = List.of(new Command.Header("From", " <alice@example.org>"),
            new Command.Header("To", " <bob@example.net>"), new Command.Header("Date", " Sat, 28 Nov 2026 01:00:00 +0000"),
            new Command.Header("Subject", " load"));

    @Param({"1", "3"})
    public int children;

    private final List<MilterServer> servers = new ArrayList<>();
    private MilterManager manager;

    @Setup(Level.Trial)
    public void start() throws IOException {
        // as the daemon under load (scripts/postfix-load): no per-session statistics lines
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        MilterManagerConfig.Builder config = MilterManagerConfig.builder();
        MilterSpec spec = MilterSpec.builder().build();
        for (int i = 0; i < children; i++) {
            MilterServer server = MilterServer.create(ConnectionSpec.parse("inet:0@[127.0.0.1]"), spec,
                    context -> new Milter() { }).start();
            servers.add(server);
            config.addChild(ChildConfig.of("child" + i, server.boundSpec()));
        }
        manager = MilterManager.create(config.build());
    }

    @TearDown(Level.Trial)
    public void stop() {
        manager.close();
        servers.forEach(MilterServer::close);
    }

    @Benchmark
    public int session() {
        return oneSession(manager);
    }

    @Benchmark
    @Threads(8)
    public int sessions8() {
        return oneSession(manager);
    }

    /** Plays one session; returns the number of responses (all must be continue but the last, accept or continue). */
    static int oneSession(MilterManager manager) {
        int[] count = new int[1];
        ResponseSink sink = responses -> {
            for (Response r : responses) {
                if (!(r instanceof Response.Continue || r instanceof Response.Negotiate
                        || r instanceof Response.Accept)) {
                    throw new IllegalStateException("unexpected answer " + r);
                }
                count[0]++;
            }
        };
        try (ManagerSession session = manager.openSession()) {
            session.handle(POSTFIX_OFFER, sink);
            session.handle(new Command.Macros('C', Map.of("j", "mx.example.net", "{daemon_name}", "smtpd",
                    "v", "Postfix 3.7.11")), sink);
            session.handle(new Command.Connect("client.example.org", Command.Family.INET, 41000, "192.0.2.10"), sink);
            session.handle(new Command.Helo("client.example.org"), sink);
            session.handle(new Command.MailFrom("<alice@example.org>", List.of()), sink);
            session.handle(new Command.Recipient("<bob@example.net>", List.of()), sink);
            session.handle(new Command.Data(), sink);
            for (Command.Header h : HEADERS) {
                session.handle(h, sink);
            }
            session.handle(new Command.EndOfHeaders(), sink);
            session.handle(new Command.Body(ByteBuffer.wrap(BODY)), sink);
            session.handle(new Command.EndOfMessage(), sink);
            session.handle(new Command.Quit(), sink);
        }
        return count[0];
    }
}
