package dev.miltermanager.interop;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay between an MTA and a milter that passes every packet on unchanged and notes its command
 * code and size, so a test can see what went over the wire (how many {@code b} packets a body replacement took,
 * say). Packets are read whole before they are passed on; the relay adds no other delay.
 *
 * <p>Thread-safe; one virtual thread per direction of each connection. {@link #close()} drops every connection.
 */
final class MilterTap implements AutoCloseable {

    /** One packet: which way it went, its command code and the size of its data (the length minus the code). */
    record Packet(boolean fromMilter, char code, int dataBytes) {
    }

    private final SocketAddress milter;
    private final ServerSocket server;
    private final List<Packet> packets = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private MilterTap(SocketAddress milter, ServerSocket server) {
        this.milter = milter;
        this.server = server;
        Thread.ofVirtual().name("milter-tap-accept").start(this::acceptLoop);
    }

    /** A tap on a free loopback port relaying to {@code milter}. */
    static MilterTap start(SocketAddress milter) throws IOException {
        return new MilterTap(milter, new ServerSocket(0, 10, InetAddress.getLoopbackAddress()));
    }

    /** The tap's port on 127.0.0.1, for the MTA. */
    int port() {
        return server.getLocalPort();
    }

    /** Every packet so far, in the order they were passed on. */
    List<Packet> packets() {
        return List.copyOf(packets);
    }

    /** The packets the milter sent with this command code. */
    List<Packet> fromMilter(char code) {
        return packets.stream().filter(p -> p.fromMilter() && p.code() == code).toList();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(MilterTap::closeQuietly);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket mta = server.accept();
                Socket toMilter = new Socket();
                toMilter.connect(milter, 5_000);
                sockets.add(mta);
                sockets.add(toMilter);
                Thread.ofVirtual().name("milter-tap-up").start(() -> pump(mta, toMilter, false));
                Thread.ofVirtual().name("milter-tap-down").start(() -> pump(toMilter, mta, true));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Copies packets from one socket to the other until either end closes, then closes both. */
    private void pump(Socket from, Socket to, boolean fromMilter) {
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            OutputStream out = to.getOutputStream();
            while (true) {
                int length = in.readInt();
                byte[] packet = new byte[length];
                in.readFully(packet);
                packets.add(new Packet(fromMilter, (char) (packet[0] & 0xFF), length - 1));
                byte[] header = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
                out.write(header);
                out.write(packet);
                out.flush();
            }
        } catch (EOFException e) {
            // the sender closed between packets
        } catch (IOException e) {
            // either end went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** The tap's address in Postfix's {@code smtpd_milters} spelling. */
    String postfixSpec() {
        return "inet:127.0.0.1:" + port();
    }

    @Override
    public String toString() {
        return "MilterTap[127.0.0.1:" + port() + " -> " + milter + "]";
    }
}
