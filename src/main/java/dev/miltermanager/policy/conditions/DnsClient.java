package dev.miltermanager.policy.conditions;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A stub resolver for A queries over UDP, asking the configured recursive name servers in turn until one answers or
 * the deadline passes. Each query gets a fresh socket on a random port and a random id, and only an answer from a
 * queried server that echoes the question is taken, so a forged answer has to guess both. Truncated answers are used
 * as they are (DNSBL answers are a few A records; there is no retry over TCP). Thread-safe: it keeps no state
 * between queries.
 */
final class DnsClient {
    /** The shortest wait for one server before the next one is tried. */
    private static final Duration MIN_TRY = Duration.ofMillis(200);
    private static final int MAX_MESSAGE_BYTES = 4096;

    private final List<InetSocketAddress> servers;
    private final SecureRandom random = new SecureRandom();

    DnsClient(List<InetSocketAddress> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no name server to ask");
        }
        this.servers = List.copyOf(servers);
    }

    List<InetSocketAddress> servers() {
        return servers;
    }

    /** A query that got no usable answer: every server failed or none answered in time. */
    static final class DnsQueryException extends IOException {
        private static final long serialVersionUID = 1L;

        DnsQueryException(String message) {
            super(message);
        }
    }

    /**
     * Asks for the A records of {@code name}.
     *
     * @return the answer: no error (possibly without addresses) or no such name
     * @throws DnsQueryException when no server answered within {@code timeout}, or every server answered with a
     *     failure (SERVFAIL, REFUSED…)
     * @throws IOException when the socket fails (also when the thread is interrupted: the channel is then closed)
     */
    DnsMessage.Answer queryA(String name, Duration timeout) throws IOException {
        int id = random.nextInt(0x10000);
        byte[] query = DnsMessage.query(id, name);
        long deadline = System.nanoTime() + timeout.toNanos();
        long perTry = Math.max(MIN_TRY.toNanos(), timeout.toNanos() / (2L * servers.size()));
        Set<SocketAddress> failed = new HashSet<>();
        String lastFailure = "no answer";
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(null);
            DatagramSocket socket = channel.socket();
            byte[] buffer = new byte[MAX_MESSAGE_BYTES];
            for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
                InetSocketAddress server = servers.get(attempt % servers.size());
                if (failed.contains(server)) {
                    continue;
                }
                socket.send(new DatagramPacket(query, query.length, server));
                long tryEnd = Math.min(deadline, System.nanoTime() + perTry);
                while (true) {
                    long left = tryEnd - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    if (!servers.contains(packet.getSocketAddress())) {
                        continue;  // not from a server we asked: ignore
                    }
                    DnsMessage.Answer answer;
                    try {
                        answer = DnsMessage.parse(buffer, packet.getLength(), id, name);
                    } catch (DnsMessage.MalformedAnswerException e) {
                        continue;  // a stray or forged packet: keep waiting for the real one
                    }
                    if (answer.rcode() == DnsMessage.RCODE_NOERROR || answer.rcode() == DnsMessage.RCODE_NXDOMAIN) {
                        return answer;
                    }
                    failed.add(packet.getSocketAddress());
                    lastFailure = text(packet.getSocketAddress()) + " answered " + rcodeName(answer.rcode());
                    if (failed.size() == servers.size()) {
                        throw new DnsQueryException(name + ": " + lastFailure);
                    }
                    break;
                }
            }
        }
        throw new DnsQueryException(name + ": " + (failed.isEmpty() ? "no answer from "
                + String.join(", ", servers.stream().map(DnsClient::text).toList()) + " within "
                + timeout.toMillis() + " ms" : lastFailure));
    }

    /** {@code 192.0.2.53:53} or {@code [2001:db8::53]:53}. */
    private static String text(SocketAddress address) {
        InetSocketAddress a = (InetSocketAddress) address;
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static String rcodeName(int rcode) {
        return switch (rcode) {
            case 1 -> "FORMERR";
            case 2 -> "SERVFAIL";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED";
            default -> "RCODE " + rcode;
        };
    }
}
