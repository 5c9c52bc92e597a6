package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ConnectionChecker#procNetTcp()} against real loopback connections in this machine's kernel tables. */
class ProcNetTcpCheckerTest {
    private final ConnectionChecker checker = ConnectionChecker.procNetTcp();

    @Test
    void decodesTheKernelsAddresses() throws Exception {
        assertEquals(InetAddress.getByName("127.0.0.1"), ProcNetTcpChecker.decode("0100007F"));
        assertEquals(InetAddress.getByName("192.0.2.10"), ProcNetTcpChecker.decode("0A0200C0"));
        assertEquals(InetAddress.getByName("::1"), ProcNetTcpChecker.decode("00000000000000000000000001000000"));
        assertEquals(InetAddress.getByName("127.0.0.1"), ProcNetTcpChecker.decode("0000000000000000FFFF00000100007F"),
                "an IPv4-mapped address is the IPv4 address");
        assertTrue(ProcNetTcpChecker.matches("0100007F:0019", InetAddress.getByName("127.0.0.1"), 25));
        assertFalse(ProcNetTcpChecker.matches("0100007F:0019", InetAddress.getByName("127.0.0.1"), 26));
    }

    @Test
    void anEstablishedClientIsConnectedAndOneThatClosedIsGone() throws Exception {
        assertClientSeen("127.0.0.1", "127.0.0.1");
    }

    @Test
    void worksForIpv6ClientsToo() throws Exception {
        assertClientSeen("::1", "IPv6:::1");
    }

    @Test
    void aClientWithoutTcpConnectionIsAlwaysConnected() {
        assertTrue(checker.isConnected(new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/x"), Map.of()));
        assertTrue(checker.isConnected(new Command.Connect("localhost", Command.Family.UNKNOWN, 0, ""), Map.of()));
        assertTrue(checker.isConnected(new Command.Connect("h", Command.Family.INET, 4000, "not-an-address"),
                Map.of()), "an address that is a name cannot be looked up: no verdict");
    }

    /** The MTA listens on {@code listen}; the client's address as the MTA would send it is {@code asSent}. */
    private void assertClientSeen(String listen, String asSent) throws Exception {
        InetAddress address = InetAddress.getByName(listen);
        try (ServerSocket mta = new ServerSocket(0, 5, address); Socket client = new Socket()) {
            client.connect(new InetSocketAddress(address, mta.getLocalPort()));
            try (Socket accepted = mta.accept()) {
                Command.Connect connect = new Command.Connect("client", address.getAddress().length == 4
                        ? Command.Family.INET : Command.Family.INET6, client.getLocalPort(), asSent);
                Map<String, String> macros = Map.of("{daemon_addr}", listen, "{daemon_port}",
                        Integer.toString(mta.getLocalPort()));
                assertTrue(checker.isConnected(connect, macros));
                assertTrue(checker.isConnected(connect, Map.of()), "without the daemon's macros too");
                assertFalse(checker.isConnected(connect, Map.of("{daemon_addr}", listen, "{daemon_port}",
                        Integer.toString(mta.getLocalPort() == 1 ? 2 : 1))), "another daemon port is not it");
                client.close(); // the MTA's side goes to CLOSE_WAIT
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (checker.isConnected(connect, macros) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertFalse(checker.isConnected(connect, macros));
            }
        }
    }
}
