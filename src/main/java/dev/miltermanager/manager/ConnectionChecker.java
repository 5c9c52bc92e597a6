package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import java.nio.file.Path;
import java.util.Map;

/**
 * Tells whether the SMTP client of a session is still connected to the MTA: the reference's connection checker.
 * With {@link MilterManagerConfig#connectionCheckInterval()} above zero, the manager asks it about every session
 * that is waiting for its children, at that interval; when it answers {@code false}, the manager stops waiting,
 * closes the children's connections, and answers the MTA {@link MilterManagerConfig#fallbackStatusAtDisconnect()}
 * for the event in progress and every later one of the session. Called from the manager's checking thread, never
 * from the session's own; it should answer quickly and must be thread-safe. An exception counts as "connected".
 */
@FunctionalInterface
public interface ConnectionChecker {

    /**
     * Whether the SMTP client is still connected.
     *
     * @param connect the session's CONNECT event: the client's host name, address family, port and address
     * @param connectMacros the macros the MTA sent with CONNECT (such as {@code {daemon_addr}}, {@code {daemon_port}})
     */
    boolean isConnected(Command.Connect connect, Map<String, String> connectMacros);

    /** The checker that never reports a client gone: no check (the default). */
    static ConnectionChecker none() {
        return (connect, macros) -> true;
    }

    /**
     * The Linux checker: looks the SMTP client's TCP connection up in {@code /proc/net/tcp} and
     * {@code /proc/net/tcp6}, by the client's address and port from CONNECT and, when the MTA sent them, its own
     * {@code {daemon_addr}} and {@code {daemon_port}} macros. The client has gone when the connection is missing
     * or no longer established (the MTA's side in CLOSE_WAIT, the reference's netstat checker's rule). It needs
     * the manager to see the MTA's sockets (same host and network namespace); a session without a TCP client
     * (local submission) is always connected.
     */
    static ConnectionChecker procNetTcp() {
        return new ProcNetTcpChecker(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    }
}
