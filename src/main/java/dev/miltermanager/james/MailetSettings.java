package dev.miltermanager.james;

import dev.miltermanager.config.ConfigurationException;
import dev.miltermanager.config.ConfigurationLoader;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The mailet's init parameters, read and checked once. Every parameter but the children ({@code milters}, or
 * {@code configFile}: the daemon's configuration file) has a default.
 *
 * @param manager the manager's configuration: the children and the manager-wide items
 * @param mailTimeout the longest a mail may hold a spool thread in this mailet; past it the mail gets
 *     {@code fallbackStatus}
 * @param rejectProcessor where rejected mails (and recipients rejected at RCPT) go
 * @param quarantineProcessor where quarantined mails go
 * @param retryProcessor where a temporarily failed mail is sent again after {@code retryDelay}; empty: the
 *     processor it was in
 * @param senderChangedProcessor where the new mail of a changed envelope sender goes; empty: the processor the
 *     original was in
 * @param retryDelay how long a temporarily failed mail waits before it is processed again
 * @param maxRetries how many times a mail is retried before a temporary failure counts as a reject
 * @param attributePrefix the prefix of the attributes the mailet sets ({@code milter.status}…)
 * @param hostname the MTA's host name given to the milters as the {@code j} macro
 */
record MailetSettings(MilterManagerConfig manager, Duration mailTimeout, String rejectProcessor,
        String quarantineProcessor, Optional<String> retryProcessor, Optional<String> senderChangedProcessor,
        Duration retryDelay, int maxRetries, String attributePrefix, String hostname) {

    static final Duration DEFAULT_MAIL_TIMEOUT = Duration.ofMinutes(5);
    static final String DEFAULT_REJECT_PROCESSOR = "milter-reject";
    static final String DEFAULT_QUARANTINE_PROCESSOR = "milter-quarantine";
    static final Duration DEFAULT_RETRY_DELAY = Duration.ofMinutes(5);
    static final int DEFAULT_MAX_RETRIES = 5;
    static final String DEFAULT_ATTRIBUTE_PREFIX = "milter";

    /** Every parameter the mailet reads; any other is a mistake and fails the mailet's start. */
    static final List<String> PARAMETERS = List.of("milters", "configFile", "fallbackStatus", "connectionTimeout",
            "writingTimeout", "readingTimeout", "endOfMessageTimeout", "mailTimeout", "rejectProcessor",
            "quarantineProcessor", "retryProcessor", "retryDelay", "maxRetries", "senderChangedProcessor",
            "attributePrefix", "hostname", "chunkSize", "maxBodyBytesInMemory", "temporaryDirectory");

    /** The parameters that {@code configFile} replaces: the file sets them. */
    static final List<String> FILE_ITEMS = List.of("milters", "fallbackStatus", "connectionTimeout", "writingTimeout",
            "readingTimeout", "endOfMessageTimeout", "chunkSize", "maxBodyBytesInMemory", "temporaryDirectory");

    /**
     * Reads the parameters.
     *
     * @param names the names of the parameters given
     * @param parameter a parameter's value, or {@code null} when not given
     * @param defaultHostname the {@code j} macro when {@code hostname} is not given
     * @throws IllegalArgumentException naming the parameter and what is expected
     */
    static MailetSettings parse(Iterator<String> names, Function<String, String> parameter,
            Supplier<String> defaultHostname) {
        List<String> unknown = new ArrayList<>();
        names.forEachRemaining(n -> {
            if (!PARAMETERS.contains(n)) {
                unknown.add(n);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown parameter(s) " + unknown + " (known: "
                    + String.join(", ", PARAMETERS) + ")");
        }
        Reader r = new Reader(parameter);
        MilterManagerConfig config = r.text("configFile").isPresent() ? fromFile(r) : fromParameters(r);
        int maxRetries = Math.toIntExact(r.number("maxRetries").orElse((long) DEFAULT_MAX_RETRIES));
        return new MailetSettings(config, r.duration("mailTimeout").orElse(DEFAULT_MAIL_TIMEOUT),
                r.text("rejectProcessor").orElse(DEFAULT_REJECT_PROCESSOR),
                r.text("quarantineProcessor").orElse(DEFAULT_QUARANTINE_PROCESSOR), r.text("retryProcessor"),
                r.text("senderChangedProcessor"), r.duration("retryDelay").orElse(DEFAULT_RETRY_DELAY), maxRetries,
                r.text("attributePrefix").orElse(DEFAULT_ATTRIBUTE_PREFIX),
                r.text("hostname").orElseGet(defaultHostname));
    }

    /** The children and manager settings of the daemon's configuration file named by {@code configFile}. */
    private static MilterManagerConfig fromFile(Reader r) {
        List<String> both = FILE_ITEMS.stream().filter(n -> r.text(n).isPresent()).toList();
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("configFile: " + both + " cannot be given with it; set them in the"
                    + " configuration file (milter.NAME.* and manager.* items)");
        }
        Path file = Path.of(r.text("configFile").orElseThrow());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configFile: " + file + " is not a readable file");
        }
        try {
            return ConfigurationLoader.ofFile(file).load().manager();
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException("configFile: " + e.getMessage(), e);
        }
    }

    /** The children and manager settings given as mailet parameters. */
    private static MilterManagerConfig fromParameters(Reader r) {
        String milters = r.text("milters").orElseThrow(() -> new IllegalArgumentException(
                "milters: missing; list the child milters, one NAME=SPEC per line (or name the daemon's"
                + " configuration file in configFile)"));
        Optional<Duration> connection = r.duration("connectionTimeout");
        Optional<Duration> writing = r.duration("writingTimeout");
        Optional<Duration> reading = r.duration("readingTimeout");
        Optional<Duration> endOfMessage = r.duration("endOfMessageTimeout");
        List<ChildConfig> children = r.get("milters", () -> MilterList.parse(milters, b -> {
            connection.ifPresent(b::connectionTimeout);
            writing.ifPresent(b::writingTimeout);
            reading.ifPresent(b::readingTimeout);
            endOfMessage.ifPresent(b::endOfMessageTimeout);
            return b;
        }));
        MilterManagerConfig.Builder manager = MilterManagerConfig.builder();
        children.forEach(manager::addChild);
        r.text("fallbackStatus").ifPresent(v -> manager.fallbackStatus(r.get("fallbackStatus", () -> Status.parse(v))));
        r.number("chunkSize").ifPresent(n -> manager.chunkSize(Math.toIntExact(n)));
        r.number("maxBodyBytesInMemory").ifPresent(manager::maxBodyBytesInMemory);
        r.text("temporaryDirectory").ifPresent(v -> manager.temporaryDirectory(Path.of(v)));
        return r.get("milters", manager::build);
    }

    /** Reads one parameter at a time, putting its name in front of any error. */
    private record Reader(Function<String, String> parameter) {
        Optional<String> text(String name) {
            return Optional.ofNullable(parameter.apply(name)).map(String::strip).filter(v -> !v.isEmpty());
        }

        Optional<Duration> duration(String name) {
            return text(name).map(v -> get(name, () -> Durations.parse(v)));
        }

        Optional<Long> number(String name) {
            return text(name).map(v -> get(name, () -> {
                try {
                    long n = Long.parseLong(v);
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                    return n;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + v + "' is not a whole number of 0 or more");
                }
            }));
        }

        <T> T get(String name, Supplier<T> read) {
            try {
                return read.get();
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
            }
        }
    }
}
