package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.WAIT;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.Negotiated;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.testing.FakeMilter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The kept child connections: taken most recent first, keyed by child and offer, quit when idle or closed. */
class ChildConnectionsTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    private static final ThreadFactory THREADS = Thread.ofVirtual().factory();

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private ChildConfig child(FakeMilter fake) {
        return FanOutFixture.child("kept", fake).reuseConnection(true).build();
    }

    private static MilterClient negotiated(ChildConfig child) {
        MilterClient client = MilterClient.connect(child.connectionSpec(), child.clientOptions());
        client.negotiate(OFFER);
        return client;
    }

    private static Negotiated negotiation(MilterClient client) {
        return client.negotiated().orElseThrow();
    }

    @Test
    void theLastKeptIsTakenFirstAndOnlyForTheSameChildAndOffer() throws Exception {
        ChildConfig child = child(fx.fake(s -> s));
        try (ChildConnections kept = new ChildConnections(Duration.ofMinutes(1), THREADS)) {
            MilterClient first = negotiated(child);
            MilterClient second = negotiated(child);
            ChildConnections.Key key = ChildConnections.Key.of(child, OFFER);
            kept.keep(key, first, negotiation(first));
            kept.keep(key, second, negotiation(second));

            assertNull(kept.take(ChildConnections.Key.of(child, new Command.Negotiate(2, Action.V2,
                    ProtocolFlag.V2))), "another offer");
            assertNull(kept.take(ChildConnections.Key.of(child.toBuilder().readingTimeout(Duration.ofSeconds(1))
                    .build(), OFFER)), "other client options");
            assertSame(second, kept.take(key).client());
            assertSame(first, kept.take(key).client());
            assertNull(kept.take(key));
            first.quit();
            second.quit();
        }
    }

    @Test
    void connectionsIdleLongerThanTheIdleTimeAreQuit() throws Exception {
        FakeMilter fake = fx.fake(s -> s);
        ChildConfig child = child(fake);
        try (ChildConnections kept = new ChildConnections(Duration.ofMillis(200), THREADS)) {
            MilterClient client = negotiated(child);
            kept.keep(ChildConnections.Key.of(child, OFFER), client, negotiation(client));
            assertEquals(List.of("quit"), trace(FanOutFixture.ended(fake.awaitConnections(1, WAIT).getFirst())));
            assertEquals(0, kept.idleCount());
            assertFalse(client.isOpen());
        }
    }

    @Test
    void closeQuitsEveryKeptConnectionAndLaterOnesAtOnce() throws Exception {
        FakeMilter fake = fx.fake(s -> s);
        ChildConfig child = child(fake);
        ChildConnections kept = new ChildConnections(Duration.ofMinutes(1), THREADS);
        ChildConnections.Key key = ChildConnections.Key.of(child, OFFER);
        MilterClient before = negotiated(child);
        kept.keep(key, before, negotiation(before));
        kept.close();
        MilterClient after = negotiated(child);
        kept.keep(key, after, negotiation(after));

        assertFalse(before.isOpen());
        assertFalse(after.isOpen());
        assertEquals(0, kept.idleCount());
        fake.awaitConnections(2, WAIT).forEach(s -> assertEquals(List.of("quit"), trace(FanOutFixture.ended(s))));
    }

    @Test
    void aReloadQuitsTheConnectionsOfChildrenNoLongerConfiguredAlike() throws Exception {
        ChildConfig child = child(fx.fake(s -> s));
        ChildConfig other = FanOutFixture.child("other", fx.fake(s -> s)).reuseConnection(true).build();
        try (ChildConnections kept = new ChildConnections(Duration.ofMinutes(1), THREADS)) {
            for (ChildConfig c : List.of(child, other)) {
                MilterClient client = negotiated(c);
                kept.keep(ChildConnections.Key.of(c, OFFER), client, negotiation(client));
            }
            kept.retain(List.of(child, other.toBuilder().writingTimeout(Duration.ofSeconds(3)).build()));
            assertEquals(1, kept.idleCount());
            kept.retain(List.of(child.toBuilder().reuseConnection(false).build()));
            assertEquals(0, kept.idleCount());
        }
    }

    @Test
    void theIdleTimeMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ChildConnections(Duration.ZERO, THREADS));
    }
}
