package dev.miltermanager.client;

import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/** A {@link Link} over a transport {@link Connection}, whose watchdog enforces the deadlines. */
final class ConnectionLink implements Link {
    private final Connection connection;

    ConnectionLink(Connection connection) {
        this.connection = connection;
    }

    @Override
    public InputStream input() {
        return connection.input();
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
        connection.write(buffers);
    }

    @Override
    public void acknowledgePromptly() {
        connection.acknowledgePromptly();
    }

    @Override
    public Guard arm(Duration timeout) {
        Deadline deadline = connection.deadline(timeout, "milter client");
        return new Guard() {
            @Override
            public boolean expired() {
                return deadline.expired();
            }

            @Override
            public void close() {
                deadline.close();
            }
        };
    }

    @Override
    public void close() {
        connection.close();
    }
}
