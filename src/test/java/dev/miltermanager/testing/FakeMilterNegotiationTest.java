package dev.miltermanager.testing;

import static dev.miltermanager.testing.FakeReply.CLOSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.MalformedPacketException;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeMilterNegotiationTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void byDefaultItAnswersTheOfferedVersionEveryOfferedActionAndNoFlags() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            assertEquals(new Response.Negotiate(6, Action.ALL, 0), mta.negotiate());
        }
    }

    @Test
    void byDefaultItFollowsAnOlderMtaDownAndCapsANewerOneAtSix() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            try (RawMta mta = RawMta.connect(milter)) {
                mta.send(new Command.Negotiate(2, Action.V2, ProtocolFlag.V2));
                assertEquals(new Response.Negotiate(2, Action.V2, 0), mta.read());
            }
            try (RawMta mta = RawMta.connect(milter)) {
                mta.send(new Command.Negotiate(7, Action.ALL, ProtocolFlag.ALL));
                assertEquals(new Response.Negotiate(6, Action.ALL, 0), mta.read());
            }
        }
    }

    @Test
    void versionActionsFlagsAndMacrosAreAnsweredAsScripted() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .version(4)
                .actions(Action.ADD_HEADERS, Action.CHANGE_BODY, Action.SET_MACRO_LIST)
                .protocol(ProtocolFlag.NR_HEADER, ProtocolFlag.SKIP, ProtocolFlag.HEADER_LEADING_SPACE)
                .macros(MacroStage.CONNECT, "j", "{daemon_name}")
                .macros(MacroStage.EOM, "i")
                .start(); RawMta mta = RawMta.connect(milter)) {
            Response.Negotiate expected = new Response.Negotiate(4, 0x103, 0x100480,
                    Map.of(MacroStage.CONNECT, List.of("j", "{daemon_name}"), MacroStage.EOM, List.of("i")));
            assertEquals(expected, mta.negotiate());
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(Optional.of(RawMta.OFFER), session.offer());
            assertEquals(Optional.of(expected), session.negotiated());
        }
    }

    @Test
    void actionsAndFlagsMayBeGivenAsBitsEvenUnofferedOnes() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().actions(0x3FF).protocol(0x40000000).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.send(new Command.Negotiate(6, Action.V2, ProtocolFlag.V2));
            assertEquals(new Response.Negotiate(6, 0x3FF, 0x40000000), mta.read());
        }
    }

    @Test
    void theBuilderRefusesAVersionOutsideTwoToSix() {
        assertThrows(IllegalArgumentException.class, () -> FakeMilter.builder().version(1));
        assertThrows(IllegalArgumentException.class, () -> FakeMilter.builder().version(7));
    }

    @Test
    void aRawNegotiationIsSentAsGivenWhateverTheOffer() throws Exception {
        Response.Negotiate raw = new Response.Negotiate(9, 0xFFFF, ProtocolFlag.ALL);
        try (FakeMilter milter = FakeMilter.builder().version(3).negotiation(raw).start();
             RawMta mta = RawMta.connect(milter)) {
            assertEquals(raw, mta.negotiate());
        }
    }

    @Test
    void negotiationCanBeAnsweredWithGarbage() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().negotiation(FakeReply.garbage()).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.send(RawMta.OFFER);
            assertThrows(MalformedPacketException.class, mta::readPacket);
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(Optional.empty(), session.negotiated());
            assertTrue(session.transcript().contains("raw[00:00:00:00:78:79:7a]"), session.transcript());
        }
    }

    @Test
    void negotiationCanBeAnsweredByHangingUp() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().negotiation(CLOSE).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.send(RawMta.OFFER);
            mta.assertClosedByFake();
            assertEquals(FakeSession.State.FAKE_CLOSED, milter.takeSession(WAIT).awaitEnd(WAIT));
        }
    }

    @Test
    void negotiationCanBeDelayed() throws Exception {
        Duration delay = Duration.ofMillis(300);
        try (FakeMilter milter = FakeMilter.builder().negotiationDelay(delay).start();
             RawMta mta = RawMta.connect(milter)) {
            long start = System.nanoTime();
            mta.negotiate();
            assertAtLeast(delay, start);
        }
    }

    @Test
    void aRawNegotiationCanBeDelayedToo() throws Exception {
        Duration delay = Duration.ofMillis(200);
        try (FakeMilter milter = FakeMilter.builder().negotiation(new Response.Negotiate(6, 0, 0))
                .negotiationDelay(delay).start(); RawMta mta = RawMta.connect(milter)) {
            long start = System.nanoTime();
            assertEquals(new Response.Negotiate(6, 0, 0), mta.negotiate());
            assertAtLeast(delay, start);
        }
    }

    static void assertAtLeast(Duration expected, long startNanos) {
        long elapsed = System.nanoTime() - startNanos;
        assertTrue(elapsed >= expected.toNanos(), "waited only " + Duration.ofNanos(elapsed) + ", expected at least "
                + expected);
    }
}
