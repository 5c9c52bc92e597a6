package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WatchdogTest {
    private final SweepingWatchdog watchdog = new SweepingWatchdog("test-watchdog");

    @AfterEach
    void stopWatchdog() {
        watchdog.shutdown();
    }

    @Test
    void closesTheResourceWhenTheTimeoutPasses() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        long start = System.nanoTime();
        Deadline deadline = watchdog.arm(closed::countDown, Duration.ofMillis(50), "reading");
        assertTrue(closed.await(2, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
        assertTrue(deadline.expired());
        assertEquals("reading", deadline.phase());
        assertEquals(Duration.ofMillis(50), deadline.timeout());
        deadline.close(); // closing a fired deadline is harmless
        assertTrue(deadline.expired());
    }

    @Test
    void closedDeadlineNeverFires() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        Deadline deadline = watchdog.arm(closes::incrementAndGet, Duration.ofMillis(30), "writing");
        deadline.close();
        deadline.close();
        Thread.sleep(100);
        assertEquals(0, closes.get());
        assertFalse(deadline.expired());
    }

    @Test
    void disarmedDeadlinesLeaveTheQueue() {
        List<Deadline> deadlines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            deadlines.add(watchdog.arm(() -> { }, Duration.ofHours(1), "idle"));
        }
        assertEquals(1000, watchdog.pending());
        deadlines.forEach(Deadline::close);
        assertEquals(0, watchdog.pending());
    }

    @Test
    void failingCloseIsSwallowedAndLaterDeadlinesStillFire() throws Exception {
        Deadline failing = watchdog.arm(() -> {
            throw new IOException("boom");
        }, Duration.ofMillis(10), "reading");
        CountDownLatch closed = new CountDownLatch(1);
        watchdog.arm(closed::countDown, Duration.ofMillis(40), "reading");
        assertTrue(closed.await(2, TimeUnit.SECONDS));
        assertTrue(failing.expired());
    }

    @Test
    void timeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> watchdog.arm(() -> { }, Duration.ZERO, "reading"));
        assertThrows(IllegalArgumentException.class, () -> watchdog.arm(() -> { }, Duration.ofMillis(-1), "reading"));
    }

    @Test
    void hugeTimeoutIsAccepted() {
        try (Deadline deadline = watchdog.arm(() -> { }, ChronoUnit.FOREVER.getDuration(), "idle")) {
            assertFalse(deadline.expired());
        }
    }

    @Test
    void sharedWatchdogRunsOnOneDaemonPlatformThread() throws Exception {
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        Watchdog.shared().arm(() -> firedOn.complete(Thread.currentThread()), Duration.ofMillis(1), "probe");
        Thread thread = firedOn.get(2, TimeUnit.SECONDS);
        assertTrue(thread.isDaemon());
        assertFalse(thread.isVirtual());
        assertEquals("milter-manager-watchdog", thread.getName());
    }
}
