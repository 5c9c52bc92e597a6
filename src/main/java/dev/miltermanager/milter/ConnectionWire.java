package dev.miltermanager.milter;

import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/** A {@link Wire} over a transport {@link Connection}. */
final class ConnectionWire implements Wire {
    private final Connection connection;

    ConnectionWire(Connection connection) {
        this.connection = connection;
    }

    @Override
    public InputStream input() {
        return connection.input();
    }

    @Override
    public void write(ByteBuffer... frames) throws IOException {
        connection.write(frames);
    }

    @Override
    public Guard deadline(Duration timeout, String phase) {
        Deadline deadline = connection.deadline(timeout, phase);
        return deadline::close;
    }

    @Override
    public String peer() {
        return connection.peer();
    }

    @Override
    public void close() {
        connection.close();
    }
}
