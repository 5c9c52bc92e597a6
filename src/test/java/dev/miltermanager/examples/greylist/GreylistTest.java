package dev.miltermanager.examples.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.examples.greylist.Greylist.Decision.Deferred;
import dev.miltermanager.examples.greylist.Greylist.Decision.Passed;
import dev.miltermanager.testsupport.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The greylisting rule on a clock the test moves. */
class GreylistTest {
    private static final Duration DELAY = Duration.ofMinutes(5);
    private final ManualClock clock = ManualClock.start();
    private final Greylist greylist = Greylist.create(
            new Greylist.Settings(DELAY, Duration.ofHours(4), Duration.ofDays(7)), clock);

    private Greylist.Decision attempt() {
        return greylist.check("192.0.2.1", "<alice@example.org>", "<bob@example.net>");
    }

    @Test
    void theFirstAttemptIsDeferredForTheDelay() {
        assertEquals(new Deferred(DELAY), attempt());
    }

    @Test
    void aRetryTooEarlyIsDeferredForWhatRemainsOfTheFirstAttemptsDelay() {
        attempt();
        clock.advance(Duration.ofMinutes(2));
        assertEquals(new Deferred(Duration.ofMinutes(3)), attempt());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(new Deferred(Duration.ofMinutes(1)), attempt());
    }

    @Test
    void aRetryAfterTheDelayPassesAndSaysHowLongItWaited() {
        attempt();
        clock.advance(Duration.ofMinutes(7));
        assertEquals(new Passed(Duration.ofMinutes(7)), attempt());
    }

    @Test
    void aPassedTripletPassesAtOnceUntilItsLifetimeRunsOutSinceItsLastMessage() {
        attempt();
        clock.advance(DELAY);
        assertEquals(new Passed(DELAY), attempt());
        clock.advance(Duration.ofDays(6));
        assertEquals(new Passed(Duration.ZERO), attempt());
        clock.advance(Duration.ofDays(6));
        assertEquals(new Passed(Duration.ZERO), attempt(), "6 days after the last message");
        clock.advance(Duration.ofDays(7));
        assertEquals(new Deferred(DELAY), attempt(), "forgotten after 7 quiet days");
    }

    @Test
    void aRetryAfterTheWindowStartsOver() {
        attempt();
        clock.advance(Duration.ofHours(4));
        assertEquals(new Deferred(DELAY), attempt());
        clock.advance(DELAY);
        assertEquals(new Passed(DELAY), attempt());
    }

    @Test
    void tripletsDifferByClientSenderAndRecipientButNotByCaseOrBrackets() {
        attempt();
        clock.advance(DELAY);
        assertEquals(new Passed(DELAY), greylist.check("192.0.2.1", "Alice@Example.ORG", "<BOB@example.net>"));
        assertEquals(new Deferred(DELAY), greylist.check("192.0.2.2", "<alice@example.org>", "<bob@example.net>"));
        assertEquals(new Deferred(DELAY), greylist.check("192.0.2.1", "<carol@example.org>", "<bob@example.net>"));
        assertEquals(new Deferred(DELAY), greylist.check("192.0.2.1", "<alice@example.org>", "<dave@example.net>"));
        assertEquals(4, greylist.size());
    }

    @Test
    void noDelayPassesEveryAttempt() {
        Greylist open = Greylist.create(new Greylist.Settings(Duration.ZERO, Duration.ofHours(1), Duration.ZERO), clock);
        assertEquals(new Passed(Duration.ZERO), open.check("192.0.2.1", "<>", "<postmaster@example.net>"));
    }

    @Test
    void settingsMustMakeSense() {
        assertThrows(IllegalArgumentException.class,
                () -> new Greylist.Settings(Duration.ofMinutes(-1), Duration.ofHours(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new Greylist.Settings(Duration.ofHours(1), Duration.ofHours(1), Duration.ZERO));
    }
}
