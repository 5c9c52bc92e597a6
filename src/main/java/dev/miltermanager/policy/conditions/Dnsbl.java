package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * DNS block lists: looks the SMTP client's address up in a set of DNSBL services, all at once, and gives the
 * conditions {@code DNSBL Listed} (apply the child only to listed clients) and {@code Not DNSBL Listed} (only to
 * the others). Both decide at CONNECT and allow every later event, so a child they stop is dropped for the
 * connection.
 *
 * <p>A client is listed when any service answers with one of its result codes. IPv4 addresses are queried as their
 * reversed octets, IPv6 addresses as their reversed nibbles ({@code 1.0.0.0...8.b.d.0.1.0.0.2.zone}). The queries go
 * over UDP to the configured recursive name servers (by default those of {@code /etc/resolv.conf}); answers are
 * cached for their TTL (negative answers for the zone's negative TTL). A service that fails or does not answer
 * within the timeout counts as "not listed" and is logged.
 *
 * <p>Thread-safe: one instance serves every session.
 *
 * {@snippet :
 * Dnsbl dnsbl = Dnsbl.builder()
 *         .clearServices()
 *         .addService("zen.spamhaus.org", "127.0.0.10/31")
 *         .timeout(Duration.ofSeconds(3))
 *         .build();
 * ChildConfig greylist = ChildConfig.builder("greylist", ConnectionSpec.parse("inet:10026@[127.0.0.1]"))
 *         .addCondition(s25r.and(dnsbl.listed()))
 *         .build();
 * }
 */
public final class Dnsbl {
    /** How long a lookup may take by default (the reference's). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** How many looked-up names the cache keeps by default. */
    public static final int DEFAULT_CACHE_ENTRIES = 4096;
    /** The services asked by default, as {@code ZONE CODE...} (the reference's list). */
    public static final List<String> DEFAULT_SERVICES = List.of(
            "zen.spamhaus.org 127.0.0.10/31",
            "dnsbl.sorbs.net 127.0.0.10",
            "bl.spamcop.net 127.0.0.2",
            "b.barracudacentral.org 127.0.0.2");

    private static final System.Logger LOG = System.getLogger(Dnsbl.class.getName());

    /**
     * A listing: which service listed the client, with what answer.
     *
     * @param zone the service's zone
     * @param answer the address it answered
     */
    public record Listing(String zone, InetAddress answer) {
        public Listing {
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(answer, "answer");
        }
    }

    private final List<DnsblService> services;
    private final DnsClient client;
    private final Duration timeout;
    private final DnsCache cache;

    private Dnsbl(Builder b) {
        this.services = List.copyOf(b.services);
        this.client = new DnsClient(b.nameServers);
        this.timeout = b.timeout;
        this.cache = new DnsCache(b.clock, b.cacheEntries);
    }

    /** A builder with the defaults: the reference's services, the system's name servers, 5 s, 4096 entries. */
    public static Builder builder() {
        return new Builder();
    }

    /** Applies the child only to clients some service lists (never to clients without an IP address). */
    public ApplicabilityPolicy listed() {
        return ctx -> ctx.stage() != Stage.CONNECT
                || ctx.session().clientAddress().flatMap(this::lookup).isPresent();
    }

    /** Applies the child only to clients no service lists (and to clients without an IP address). */
    public ApplicabilityPolicy notListed() {
        return ctx -> ctx.stage() != Stage.CONNECT
                || ctx.session().clientAddress().flatMap(this::lookup).isEmpty();
    }

    /** The services asked, as {@code ZONE CODE...}. */
    public List<String> services() {
        return services.stream().map(DnsblService::toString).toList();
    }

    /** The name servers asked, in order. */
    public List<InetSocketAddress> nameServers() {
        return client.servers();
    }

    /**
     * Looks {@code client} up in every service at once, returning at the first listing, or when every service has
     * answered, failed or timed out (failures are logged and count as not listed).
     *
     * @return the first listing found, or empty when no service lists the client
     */
    public Optional<Listing> lookup(InetAddress client) {
        Objects.requireNonNull(client, "client");
        List<DnsblService> toAsk = new ArrayList<>();
        for (DnsblService service : services) {
            Optional<List<InetAddress>> cached = cache.get(service.queryName(client));
            if (cached.isPresent()) {
                Optional<InetAddress> hit = service.listing(cached.get());
                if (hit.isPresent()) {
                    return logged(System.Logger.Level.DEBUG, client, new Listing(service.zone(), hit.get()));
                }
            } else {
                toAsk.add(service);
            }
        }
        if (toAsk.isEmpty()) {
            return Optional.empty();
        }
        if (toAsk.size() == 1) {  // nothing to overlap: ask on this thread
            Optional<Listing> listing = ask(toAsk.getFirst(), client);
            return listing.isPresent() ? logged(System.Logger.Level.INFO, client, listing.get()) : listing;
        }
        ExecutorService threads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("dnsbl-" + client.getHostAddress() + "-", 0).factory());
        try {
            CompletionService<Optional<Listing>> done = new ExecutorCompletionService<>(threads);
            for (DnsblService service : toAsk) {
                done.submit(() -> ask(service, client));
            }
            for (int i = 0; i < toAsk.size(); i++) {
                Optional<Listing> listing = outcome(done.take(), client);
                if (listing.isPresent()) {
                    return logged(System.Logger.Level.INFO, client, listing.get());
                }
            }
            LOG.log(System.Logger.Level.DEBUG, "[dnsbl][not-listed] {0}", client.getHostAddress());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            threads.shutdownNow();  // stops the queries still waiting once a listing is found
        }
    }

    private static Optional<Listing> outcome(Future<Optional<Listing>> result, InetAddress client)
            throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "[dnsbl][error] " + client.getHostAddress()
                    + ": the lookup failed; counted as not listed", e.getCause());
            return Optional.empty();
        }
    }

    private Optional<Listing> ask(DnsblService service, InetAddress client) {
        String name = service.queryName(client);
        try {
            DnsMessage.Answer answer = this.client.queryA(name, timeout);
            cache.put(name, answer.addresses(), answer.ttlSeconds());
            return service.listing(answer.addresses()).map(a -> new Listing(service.zone(), a));
        } catch (IOException | UncheckedIOException e) {
            if (!Thread.currentThread().isInterrupted()) {
                LOG.log(System.Logger.Level.WARNING, "[dnsbl][error] {0} in {1}: {2}; counted as not listed",
                        client.getHostAddress(), service.zone(), e.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Logs a listing: at INFO when a name server just said so, at DEBUG when the cache did. */
    private static Optional<Listing> logged(System.Logger.Level level, InetAddress client, Listing listing) {
        LOG.log(level, "[dnsbl][listed] {0} in {1}: {2}", client.getHostAddress(), listing.zone(),
                listing.answer().getHostAddress());
        return Optional.of(listing);
    }

    /** Builds a {@link Dnsbl}. Not thread-safe. */
    public static final class Builder {
        private final List<DnsblService> services = new ArrayList<>();
        private List<InetSocketAddress> nameServers;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int cacheEntries = DEFAULT_CACHE_ENTRIES;
        private Clock clock = Clock.systemUTC();

        private Builder() {
            DEFAULT_SERVICES.forEach(s -> services.add(DnsblService.parse(s)));
        }

        /** Forgets every service, the default ones included. */
        public Builder clearServices() {
            services.clear();
            return this;
        }

        /**
         * Adds a service.
         *
         * @param zone the DNSBL zone ({@code bl.spamcop.net})
         * @param codes the answers that mean listed: addresses ({@code 127.0.0.2}) or CIDR ranges
         *     ({@code 127.0.0.10/31}); none means any answer in 127.0.0.0/8
         * @throws IllegalArgumentException for a zone or code that cannot be read
         */
        public Builder addService(String zone, String... codes) {
            services.add(new DnsblService(zone, List.of(codes).stream().map(DnsblService::code).toList()));
            return this;
        }

        /** Adds a service written {@code ZONE [CODE...]}, as in the configuration file. */
        Builder addService(String line) {
            services.add(DnsblService.parse(line));
            return this;
        }

        /** The recursive name servers to ask, in order (default: the {@code nameserver} lines of /etc/resolv.conf). */
        public Builder nameServers(List<InetSocketAddress> servers) {
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("no name server given");
            }
            this.nameServers = List.copyOf(servers);
            return this;
        }

        /** How long a lookup may take before a silent service counts as not listing the client (default 5 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the DNSBL timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** How many looked-up names the cache keeps (default 4096; 0 turns the cache off). */
        public Builder cacheEntries(int entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("the DNSBL cache size must be 0 or more: " + entries);
            }
            this.cacheEntries = entries;
            return this;
        }

        /** The clock the cache's expiry is measured with (default the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds it. Without configured name servers it reads /etc/resolv.conf, and asks 127.0.0.1 when that lists
         * none (as the C resolver does).
         *
         * @throws UncheckedIOException when /etc/resolv.conf exists but cannot be read
         */
        public Dnsbl build() {
            if (nameServers == null) {
                try {
                    List<InetSocketAddress> system = NameServers.fromResolvConf(NameServers.RESOLV_CONF);
                    nameServers = system.isEmpty()
                            ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), NameServers.DNS_PORT))
                            : system;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + NameServers.RESOLV_CONF, e);
                }
            }
            return new Dnsbl(this);
        }
    }
}
