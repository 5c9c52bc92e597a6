package dev.miltermanager.examples.greylist;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The greylisting rule, kept in memory: the first delivery attempt of a (client address, envelope sender, recipient)
 * triplet is deferred; a retry after {@link Settings#delay()} and within {@link Settings#retryWindow()} of the first
 * attempt passes, and the triplet then passes at once for {@link Settings#passLifetime()} after its last message. A
 * retry too early is deferred again (the first attempt's time stays); one after the window starts over.
 *
 * <p>Thread-safe: one instance serves every connection. Entries past their use are swept now and then, so memory
 * stays bounded by the traffic of one retry window.
 */
public final class Greylist {
    /** How long a sender must wait before its retry passes, by default (as postgrey). */
    public static final Duration DEFAULT_DELAY = Duration.ofMinutes(5);
    /** How long after the first attempt a retry still counts, by default. */
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofDays(1);
    /** How long a passed triplet keeps passing without delay after its last message, by default. */
    public static final Duration DEFAULT_PASS_LIFETIME = Duration.ofDays(7);

    private static final long SWEEP_EVERY = 1024;

    /**
     * How the greylist behaves.
     *
     * @param delay the least time between the first attempt and a retry that passes
     * @param retryWindow the most time between the first attempt and a retry that passes; must exceed the delay
     * @param passLifetime how long a triplet that passed keeps passing at once, counted from its last message
     */
    public record Settings(Duration delay, Duration retryWindow, Duration passLifetime) {
        /** The defaults: 5 minutes, 1 day, 7 days. */
        public static final Settings DEFAULTS = new Settings(DEFAULT_DELAY, DEFAULT_RETRY_WINDOW,
                DEFAULT_PASS_LIFETIME);

        public Settings {
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(retryWindow, "retryWindow");
            Objects.requireNonNull(passLifetime, "passLifetime");
            if (delay.isNegative() || retryWindow.compareTo(delay) <= 0 || passLifetime.isNegative()) {
                throw new IllegalArgumentException("greylist delay must be 0 or more, the retry window longer than"
                        + " the delay and the pass lifetime 0 or more: " + this);
            }
        }
    }

    /** What the greylist says about one delivery attempt. */
    public sealed interface Decision {
        /** Deferred: the sender should come back in {@code retryIn} at the earliest. */
        record Deferred(Duration retryIn) implements Decision {}

        /**
         * Passed: the attempt was {@code delayed} after the first one (zero for a triplet that had already passed, or
         * a delay of zero).
         */
        record Passed(Duration delayed) implements Decision {}
    }

    private record Triplet(String client, String sender, String recipient) {}

    /** First attempt, and when the triplet passed (null while waiting). */
    private record Entry(Instant firstSeen, Instant passedAt) {}

    private final Settings settings;
    private final Clock clock;
    private final Map<Triplet, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong checks = new AtomicLong();

    private Greylist(Settings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A greylist with these settings, on the system clock. */
    public static Greylist create(Settings settings) {
        return create(settings, Clock.systemUTC());
    }

    /** A greylist with these settings, its time read from {@code clock}. */
    public static Greylist create(Settings settings, Clock clock) {
        return new Greylist(settings, clock);
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Decides one attempt and records it. Sender and recipient are compared without angle brackets and case.
     *
     * @param client the client's IP address as text
     * @param sender the envelope sender ({@code <>} for bounces)
     * @param recipient one envelope recipient
     */
    public Decision check(String client, String sender, String recipient) {
        Triplet triplet = new Triplet(client, normalize(sender), normalize(recipient));
        Instant now = clock.instant();
        if (checks.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(now);
        }
        Decision[] decision = new Decision[1];
        entries.compute(triplet, (key, entry) -> {
            if (entry == null || expired(entry, now)) {
                decision[0] = settings.delay().isZero() ? new Decision.Passed(Duration.ZERO)
                        : new Decision.Deferred(settings.delay());
                return settings.delay().isZero() ? new Entry(now, now) : new Entry(now, null);
            }
            if (entry.passedAt() != null) {
                decision[0] = new Decision.Passed(Duration.ZERO);
                return new Entry(entry.firstSeen(), now);
            }
            Duration waited = Duration.between(entry.firstSeen(), now);
            if (waited.compareTo(settings.delay()) < 0) {
                decision[0] = new Decision.Deferred(settings.delay().minus(waited));
                return entry;
            }
            decision[0] = new Decision.Passed(waited);
            return new Entry(entry.firstSeen(), now);
        });
        return decision[0];
    }

    /** How many triplets it holds (waiting or passed). */
    public int size() {
        return entries.size();
    }

    private boolean expired(Entry entry, Instant now) {
        return entry.passedAt() != null
                ? !now.isBefore(entry.passedAt().plus(settings.passLifetime()))
                : !now.isBefore(entry.firstSeen().plus(settings.retryWindow()));
    }

    private void sweep(Instant now) {
        entries.entrySet().removeIf(e -> expired(e.getValue(), now));
    }

    private static String normalize(String address) {
        String s = address.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
