package dev.miltermanager.manager;

import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback TCP listener that never accepts, with its accept queue filled up front, so a further connection
 * attempt hangs (the kernel drops its SYN) until the connecting side gives up. Should the queue not fill (a
 * kernel that answers anyway), connections succeed and then hear nothing: a peer that never answers either way.
 */
final class NonAcceptingListener implements AutoCloseable {
    private static final int MAX_FILLERS = 32;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();
    private boolean full;

    NonAcceptingListener() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < MAX_FILLERS && !full; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(server.getLocalSocketAddress(), 200);
                fillers.add(filler);
            } catch (SocketTimeoutException e) {
                filler.close();
                full = true;
            }
        }
    }

    /** Whether a new connection attempt now hangs rather than succeeds. */
    boolean queueFull() {
        return full;
    }

    ConnectionSpec spec() {
        return ConnectionSpec.parse("inet:" + server.getLocalPort() + "@[127.0.0.1]");
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
