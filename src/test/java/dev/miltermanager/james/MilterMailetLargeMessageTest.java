package dev.miltermanager.james;

import static dev.miltermanager.james.MailetRig.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InteropChild;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;

/**
 * A 10 MiB message is streamed to the milters: read from the message one chunk at a time while the milter
 * receives it, never copied whole.
 */
class MilterMailetLargeMessageTest {
    private static final long SIZE = 10L * 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aTenMebibyteBodyReachesTheChildInChunksWhileItIsRead() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(new Response.AddHeader("X-Size", "large")).start();
             MailetRig rig = new MailetRig(MailetRig.children(List.of("fake=" + child.connectionSpec())))) {
            AtomicLong maxAhead = new AtomicLong();
            FakeMail mail = rig.mail(GeneratedBody.message(SIZE, produced -> {
                // how far the reading runs ahead of what the child has already received and answered
                long received = child.sessions().getFirst().commands(Command.Body.class).stream()
                        .mapToLong(b -> b.chunk().remaining()).sum();
                maxAhead.accumulateAndGet(produced - received, Math::max);
            })).build();
            rig.mailet.service(mail);

            FakeSession s = child.takeSession(WAIT);
            s.awaitEnd(WAIT);
            List<Command.Body> chunks = s.commands(Command.Body.class);
            long expectedChunks = (SIZE + PacketLimits.CHUNK_BYTES - 1) / PacketLimits.CHUNK_BYTES;
            assertEquals(expectedChunks, chunks.size(), "161 chunks of at most 65535 bytes");
            assertTrue(chunks.stream().allMatch(c -> c.chunk().remaining() <= PacketLimits.CHUNK_BYTES));
            assertEquals(SIZE, s.message(0).bodyBytes().length);
            assertTrue(maxAhead.get() <= PacketLimits.CHUNK_BYTES + 8192,
                    "the mailet never reads more than one chunk ahead of the child: " + maxAhead.get() + " bytes");
            assertEquals("large", mail.getMessage().getHeader("X-Size", null));
            assertEquals("accept", attribute(mail, "status").orElseThrow());
        }
    }

    @Test
    void aTenMebibyteBodyReachesALibmilterChildByteForByte() throws Exception {
        try (InteropChild child = InteropChild.c("large").edit("add-header:X-Seen-By:{name}").start();
             MailetRig rig = new MailetRig(MailetRig.children(List.of("c=" + child.connectionSpec())))) {
            FakeMail mail = rig.mail(GeneratedBody.message(SIZE, produced -> { })).build();
            rig.mailet.service(mail);

            List<String> events = child.awaitEvent("close", WAIT);
            assertTrue(events.contains("eom bodysha256=" + GeneratedBody.sha256(SIZE)), String.join("\n", events));
            assertEquals("large", mail.getMessage().getHeader("X-Seen-By", null));
        }
    }
}
