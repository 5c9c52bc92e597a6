package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager as an MTA meets it over a socket: listening, connection limits, a broken MTA. */
class ManagerSocketSideTest {
    private static final Command.Negotiate POSTFIX_OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    private static final Command.Connect CLIENT = new Command.Connect("client.example", Command.Family.INET, 4000,
            "192.0.2.1");

    private static MilterClient mta(ConnectionSpec spec) {
        return MilterClient.connect(spec, ClientOptions.builder().name("mta").allTimeouts(Duration.ofSeconds(5))
                .build());
    }

    @Test
    void excessConnectionsWaitUntilASessionEndsInsteadOfBeingRefused() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]")).maxConnections(1)
                     .addChild(ChildConfig.of("child", child.connectionSpec())).build()).start()) {
            MilterClient first = mta(manager.localSpec());
            first.negotiate(POSTFIX_OFFER);
            CompletableFuture<Response.Decision> second = CompletableFuture.supplyAsync(() -> {
                try (MilterClient mta = mta(manager.localSpec())) {
                    mta.negotiate(POSTFIX_OFFER);
                    return mta.send(CLIENT);
                }
            });
            try {
                second.get(500, TimeUnit.MILLISECONDS);
                throw new AssertionError("the second connection was served while the first was open");
            } catch (TimeoutException expected) {
                // it waits
            }
            assertEquals(1, manager.activeSessions());
            first.quit();
            assertEquals(new Response.Continue(), second.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void listensOnAUnixSocketWithTheConfiguredMode(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("manager.sock");
        try (FakeMilter child = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .connectionSpec(ConnectionSpec.unix(socket))
                     .listenOptions(ListenOptions.DEFAULTS.withUnixSocketMode(0660))
                     .addChild(ChildConfig.of("child", child.connectionSpec())).build()).start()) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (MilterClient mta = mta(manager.localSpec())) {
                mta.negotiate(POSTFIX_OFFER);
                assertEquals(new Response.Continue(), mta.send(CLIENT));
                mta.quit();
            }
        }
        assertFalse(Files.exists(socket), "the socket is removed on close");
    }

    @Test
    void anMtaSendingGarbageLosesOnlyItsOwnConnection() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                     .addChild(ChildConfig.of("child", child.connectionSpec())).build()).start()) {
            try (MilterClient good = mta(manager.localSpec())) {
                good.negotiate(POSTFIX_OFFER);
                ConnectionSpec.Inet spec = (ConnectionSpec.Inet) manager.localSpec();
                try (Socket bad = new Socket()) {
                    bad.connect(new InetSocketAddress("127.0.0.1", spec.port()), 2000);
                    bad.setSoTimeout(5000);
                    OutputStream out = bad.getOutputStream();
                    out.write(new byte[] {0, 0, 0, 1, 'Z'});   // an unknown command
                    out.flush();
                    assertEquals(-1, bad.getInputStream().read(), "the manager closes the broken connection");
                }
                assertEquals(new Response.Continue(), good.send(CLIENT), "the other session goes on");
                good.quit();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (manager.activeSessions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, manager.activeSessions());
        }
    }

    @Test
    void anMtaOfferingALargerDataSizeStillGetsTheDefaultSize() throws Exception {
        try (FakeMilter child = FakeMilter.builder().protocol(ProtocolFlag.MDS_1M).start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .addChild(ChildConfig.of("child", child.connectionSpec())).build());
             ManagerSession session = manager.openSession()) {
            Response reply = session.handle(new Command.Negotiate(6, Action.ALL,
                    ProtocolFlag.ALL | ProtocolFlag.MDS_1M.bit())).getFirst();
            Response.Negotiate n = assertInstanceOf(Response.Negotiate.class, reply);
            assertTrue((n.protocol() & ProtocolFlag.DATA_SIZES) == 0, ProtocolFlag.describe(n.protocol()));
        }
    }
}
