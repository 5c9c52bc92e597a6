package dev.miltermanager.policy.conditions;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a DNSBL condition costs a connection, against the loopback DNS responder of the tests: a lookup answered from
 * the cache, a lookup that goes to the name server (one service, cache off), and the baseline, one bare UDP query and
 * answer on a fresh socket (the least an uncached lookup must do). Compare the lookups with the baseline of the same
 * run; see {@code docs/benchmarks.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DnsblBenchmark {
    private static final String NAME = "1.2.0.192.bl.test";

    private DnsResponder dns;
    private Dnsbl cached;
    private Dnsbl uncached;
    private InetAddress client;
    private byte[] query;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dns = DnsResponder.start();
        dns.add(NAME, 3600, "127.0.0.2");
        cached = Dnsbl.builder().clearServices().addService("bl.test").nameServers(List.of(dns.address())).build();
        uncached = Dnsbl.builder().clearServices().addService("bl.test").nameServers(List.of(dns.address()))
                .cacheEntries(0).timeout(Duration.ofSeconds(5)).build();
        client = InetAddress.getByName("192.0.2.1");
        query = DnsMessage.query(0x4242, NAME);
    }

    @TearDown(Level.Trial)
    public void stop() {
        dns.close();
    }

    @Benchmark
    public Optional<Dnsbl.Listing> cachedLookup() {
        return cached.lookup(client);
    }

    @Benchmark
    public Optional<Dnsbl.Listing> uncachedLookup() {
        return uncached.lookup(client);
    }

    @Benchmark
    public int udpRoundTripBaseline() throws IOException {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(null);
            DatagramSocket socket = channel.socket();
            socket.send(new DatagramPacket(query, query.length, dns.address()));
            byte[] buffer = new byte[512];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            return answer.getLength();
        }
    }
}
