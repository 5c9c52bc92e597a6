package dev.miltermanager.policy.conditions;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Answers kept for their TTL: the A records of a name (empty for "no such name"), at most {@code maxEntries} names,
 * the least recently used one evicted first. TTLs are capped at a day. Thread-safe.
 */
final class DnsCache {
    static final Duration MAX_TTL = Duration.ofDays(1);

    private record Cached(List<InetAddress> addresses, Instant expires) {}

    private final Clock clock;
    private final int maxEntries;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Cached> entries;

    DnsCache(Clock clock, int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("cache size must be 0 or more: " + maxEntries);
        }
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > DnsCache.this.maxEntries;
            }
        };
    }

    /** The addresses cached for {@code name}, if an unexpired entry exists. */
    Optional<List<InetAddress>> get(String name) {
        lock.lock();
        try {
            Cached entry = entries.get(name);
            if (entry == null) {
                return Optional.empty();
            }
            if (!clock.instant().isBefore(entry.expires())) {
                entries.remove(name);
                return Optional.empty();
            }
            return Optional.of(entry.addresses());
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the answer for {@code ttlSeconds}; a TTL of 0 or less is not kept. */
    void put(String name, List<InetAddress> addresses, long ttlSeconds) {
        if (ttlSeconds <= 0 || maxEntries == 0) {
            return;
        }
        Duration ttl = Duration.ofSeconds(Math.min(ttlSeconds, MAX_TTL.toSeconds()));
        lock.lock();
        try {
            entries.put(name, new Cached(List.copyOf(addresses), clock.instant().plus(ttl)));
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }
}
