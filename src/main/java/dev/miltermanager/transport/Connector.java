package dev.miltermanager.transport;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** Opens client connections with a connect timeout enforced by the {@link Watchdog}. */
final class Connector {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    private Connector() {
    }

    static SocketChannel connect(ConnectionSpec spec, Duration timeout, Watchdog watchdog) throws IOException {
        Timeouts.requirePositive(timeout, "a connect timeout");
        if (spec instanceof ConnectionSpec.Inet inet && inet.port() == 0) {
            throw new ConnectException("cannot connect to " + spec + ": port 0 is only meaningful for listening");
        }
        long deadline = System.nanoTime() + Timeouts.nanos(timeout);
        IOException failure = null;
        for (SocketAddress target : Addresses.connectTargets(spec)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                return connectOnce(spec, target, Duration.ofNanos(left), timeout, watchdog);
            } catch (ConnectException e) {
                failure = e; // try the host's next address
            }
        }
        if (failure == null) {
            throw new DeadlineExceededException("connecting", timeout, spec.toString(),
                    new SocketTimeoutException("no time left to connect"));
        }
        throw failure;
    }

    private static SocketChannel connectOnce(ConnectionSpec spec, SocketAddress target, Duration left,
                                             Duration timeout, Watchdog watchdog) throws IOException {
        SocketChannel channel = SocketChannel.open(spec.family());
        Deadline deadline = watchdog.arm(channel, left, "connecting");
        try {
            channel.connect(target);
        } catch (ClosedByInterruptException e) {
            throw e;
        } catch (IOException e) {
            channel.close();
            if (deadline.expired()) {
                throw new DeadlineExceededException("connecting", timeout, spec.toString(), e);
            }
            boolean named = spec instanceof ConnectionSpec.Inet inet
                    && inet.host().filter(host -> !HostRule.isLiteral(host)).isPresent();
            String detail = named ? " (" + target + ")" : ""; // which of the name's addresses refused
            ConnectException refused = new ConnectException("cannot connect to " + spec + detail + ": "
                    + e.getMessage());
            refused.initCause(e);
            throw refused;
        } finally {
            deadline.close();
        }
        if (deadline.expired()) {
            // connected, but the watchdog closed the channel just before it was disarmed
            throw new DeadlineExceededException("connecting", timeout, spec.toString(),
                    new AsynchronousCloseException());
        }
        setNoDelay(channel);
        return channel;
    }

    /** Sets TCP_NODELAY on a TCP channel; Unix-domain channels have no such option. */
    static void setNoDelay(SocketChannel channel) {
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                // the peer may already be gone; the next read or write reports it
                LOG.log(Level.DEBUG, () -> "cannot set TCP_NODELAY on " + channel, e);
            }
        }
    }
}
