package dev.miltermanager.manager;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterClientException;
import dev.miltermanager.client.Negotiated;
import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One child milter within one MTA session: its connection ({@link ChildLink}), where it stands (alive, in the current
 * message), and what it answered last. Every fault of the child is caught here and turned into its fallback status;
 * the child is then dropped for the session. Used by the session's thread (and, while the session opens, by one worker).
 */
final class ChildSession {
    private static final System.Logger LOG = System.getLogger(ChildSession.class.getName());

    final ChildConfig config;
    /** The child's conditions, in order (asked at every event), and their names; empty for none. */
    final ApplicabilityPolicy[] conditions;
    final String[] conditionNames;
    final int index;
    private final String tag;
    private final ChildStatistics statistics;
    /** The connection: {@link #disconnect()} and {@link #close()} may use it from another thread. */
    private final ChildLink link;
    private boolean alive;
    private boolean inMessage;
    private boolean failed;
    private String lastState = "negotiate";
    private Status lastStatus;
    private final long startNanos = System.nanoTime();
    /** Macros set for this child by its policies at CONNECT, HELO or an unknown command; kept for the connection. */
    private final Map<String, String> connectionMacros = new HashMap<>();
    /** Macros set for this child by its policies from MAIL on; kept for the message (cleared at the next MAIL). */
    private final Map<String, String> messageMacros = new HashMap<>();

    ChildSession(ChildConfig config, int index, String tag, ChildStatistics statistics,
            ChildConnections connections) {
        this.config = config;
        this.link = new ChildLink(config, connections, tag);
        this.conditions = config.conditions().toArray(ApplicabilityPolicy[]::new);
        this.conditionNames = conditions.length == 0 ? new String[0]
                : config.conditionNames().toArray(String[]::new);
        this.index = index;
        this.tag = tag;
        this.statistics = statistics;
    }

    String name() {
        return config.name();
    }

    /**
     * Takes a connection kept from an earlier session, already negotiated with {@code offer}, when the child reuses
     * connections and one is there; returns whether it did. Otherwise {@link #open} connects.
     */
    boolean openKept(Command.Negotiate offer) {
        if (!link.takeKept(offer)) {
            return false;
        }
        alive = true;
        statistics.recordKeptConnectionUsed();
        return true;
    }

    /** Connects and negotiates; returns false (and logs) when the child cannot be used for this session. */
    boolean open(Command.Negotiate offer) {
        try {
            link.open(offer);
            alive = true;
            return true;
        } catch (MilterClientException e) {
            fail("negotiate", e);
            return false;
        }
    }

    Negotiated negotiated() {
        return link.negotiated();
    }

    boolean isAlive() {
        return alive;
    }

    boolean hasFailed() {
        return failed;
    }

    boolean inMessage() {
        return alive && inMessage;
    }

    void joinMessage() {
        inMessage = alive;
        messageMacros.clear();
    }

    /** A macro a policy set for this child at {@code stage}: for the connection, or from MAIL on for the message. */
    void setPolicyMacro(Stage stage, String name, String value) {
        switch (stage) {
            case CONNECT, HELO, UNKNOWN -> connectionMacros.put(name, value);
            default -> messageMacros.put(name, value);
        }
    }

    /** The condition at {@code index} stopped this child at {@code stage}: counted and logged. */
    void stoppedBy(int index, Stage stage) {
        statistics.recordStop(conditionNames[index]);
        LOG.log(Level.DEBUG, () -> "[manager][condition][stop][" + stateName(stage) + "](" + tag + "): " + name()
                + ": " + conditionNames[index]);
    }

    void leaveMessage() {
        inMessage = false;
    }

    Status lastStatus() {
        return lastStatus;
    }

    /** Whether the child negotiated any action that changes the message. */
    boolean modifies() {
        Negotiated negotiated = link.negotiated();
        return negotiated != null && (negotiated.actions() & Action.MODIFICATIONS) != 0;
    }

    /** Sends one event and reads the answer; a fault yields the fallback status. */
    Outcome send(Stage stage, Command event, Map<String, String> macros) {
        return post(stage, event, macros).await();
    }

    /** Sends a body chunk and reads the answer. */
    Outcome body(ByteBuffer chunk) {
        return post(Stage.BODY, new Command.Body(chunk), Map.of()).await();
    }

    /** Writes one event without reading the answer: {@link Posted#await()} does. A fault yields the fallback. */
    Posted post(Stage stage, Command event, Map<String, String> macros) {
        lastState = stateName(stage);
        long start = System.nanoTime();
        Map<String, String> all = withPolicyMacros(macros);
        link.sending(event, all);
        try {
            return new Posted(this, stage, start, link.client().post(event, all), null);
        } catch (MilterClientException e) {
            return new Posted(this, stage, start, null, failed(stage, e, start));
        }
    }

    /**
     * The outcome of a fault: on a kept connection that has not answered yet (the child may have closed it while it
     * was kept), the event again on a new connection; otherwise the fallback.
     */
    private Outcome failed(Stage stage, MilterClientException e, long startNanos) {
        try {
            Response.Decision again = link.retryOnNewConnection(e);
            return again != null ? record(stage, again, startNanos) : failure(stage, e, startNanos);
        } catch (MilterClientException retried) {
            return failure(stage, retried, startNanos);
        }
    }

    /**
     * Writes an event to every child first, then reads their answers one after the other, on the calling thread:
     * the children work on it at the same time, and no thread is handed the work. Each child's read timeout runs
     * from its own write, so a child that hangs delays the others' answers by no more than its timeout, and a
     * child that closes is found at once.
     *
     * @return the outcomes in the order of {@code children}
     */
    static List<Outcome> exchange(List<ChildSession> children, Function<ChildSession, Posted> post) {
        List<Posted> posted = new ArrayList<>(children.size());
        for (ChildSession child : children) {
            posted.add(post.apply(child));
        }
        List<Outcome> outcomes = new ArrayList<>(children.size());
        for (Posted p : posted) {
            outcomes.add(p.await());
        }
        return outcomes;
    }

    /** Sends end of message; edits are passed to {@code listener} as they arrive. */
    EndOfMessageOutcome endOfMessage(Map<String, String> macros, Consumer<? super Response> listener) {
        lastState = stateName(Stage.EOM);
        link.endingMessage();
        long start = System.nanoTime();
        try {
            EndOfMessageResult result = link.client().endOfMessage(withPolicyMacros(macros), listener);
            link.endedMessage();
            return new EndOfMessageOutcome(record(Stage.EOM, result.decision(), start), result);
        } catch (MilterClientException e) {
            return new EndOfMessageOutcome(failure(Stage.EOM, e, start), null);
        }
    }

    /** Sends ABORT, except where a kept connection must not have it ({@link ChildLink#skipsAbort()}). */
    void abort() {
        inMessage = false;
        if (!alive || link.skipsAbort()) {
            return;
        }
        link.aborting();
        try {
            link.client().abort();
        } catch (MilterClientException e) {
            fail("abort", e);
        }
    }

    /**
     * Quits the child for the rest of the connection: QUIT, or the connection is kept for another session
     * ({@link ChildLink#release}).
     */
    void quit() {
        inMessage = false;
        alive = false;
        link.release(!failed);
    }

    /** Closes without QUIT (session teardown after the MTA vanished). */
    void close() {
        alive = false;
        inMessage = false;
        link.close();
    }

    /**
     * Closes the child's connection from another thread (the SMTP client has gone), which ends a wait for it at
     * once; the session's thread then finds the child failed.
     */
    void disconnect() {
        link.close();
    }

    /** The statistics line of the C milter manager: {@code [milter][end][state][status][elapsed](tag): name}. */
    void logEnd() {
        LOG.log(Level.INFO, () -> EndLine.format("milter", lastState, lastStatus, startNanos, tag) + ": " + name());
    }

    private Map<String, String> withPolicyMacros(Map<String, String> macros) {
        if (connectionMacros.isEmpty() && messageMacros.isEmpty()) {
            return macros;
        }
        Map<String, String> all = new java.util.LinkedHashMap<>(macros);
        all.putAll(connectionMacros);
        all.putAll(messageMacros);
        return all;
    }

    private Outcome record(Stage stage, Response.Decision decision, long startNanos) {
        link.answered();
        Status real = Status.of(decision);
        lastStatus = real;
        statistics.record(stage, real, System.nanoTime() - startNanos);
        Status effective = config.evaluationMode() && real.isFinal() ? Status.ACCEPT : real;
        return new Outcome(this, real, effective, config.evaluationMode() ? null : decision, false);
    }

    /** A fault at {@code stage}: counted as a failure and, as {@link ChildStatistics#answers} says, as its fallback. */
    private Outcome failure(Stage stage, MilterClientException e, long startNanos) {
        fail(stateName(stage), e);
        Status fallback = config.fallbackStatus();
        lastStatus = fallback;
        statistics.recordFailure(stage);
        statistics.record(stage, fallback, System.nanoTime() - startNanos);
        Status effective = config.evaluationMode() && fallback.isFinal() ? Status.ACCEPT : fallback;
        return new Outcome(this, fallback, effective, null, true);
    }

    private void fail(String state, MilterClientException e) {
        LOG.log(Level.WARNING, () -> String.format("[milter][error][%s](%s): %s: %s; counting it as %s", state, tag,
                name(), e.getMessage(), config.fallbackStatus().configName()));
        failed = true;
        alive = false;
        inMessage = false;
        link.close();
    }

    /** The reference's name of a state, for log lines. */
    static String stateName(Stage stage) {
        return switch (stage) {
            case CONNECT -> "connect";
            case HELO -> "helo";
            case MAIL -> "envelope-from";
            case RCPT -> "envelope-recipient";
            case DATA -> "data";
            case HEADER -> "header";
            case EOH -> "end-of-header";
            case BODY -> "body";
            case EOM -> "end-of-message";
            case UNKNOWN -> "unknown";
        };
    }

    /**
     * What one child answered to one event.
     *
     * @param real what it answered (its fallback when it failed)
     * @param effective what the answer counts as when folding (evaluation mode turns final answers into accept)
     * @param decision the decision to forward when it carries a reply code; {@code null} in evaluation mode or on
     *     failure
     * @param failed whether the child failed (and is now dropped)
     */
    record Outcome(ChildSession child, Status real, Status effective, Response.Decision decision, boolean failed) {
    }

    /** An event written to a child, its answer still to read ({@code reply}), or its outcome already known. */
    record Posted(ChildSession child, Stage stage, long startNanos, MilterClient.PendingReply reply, Outcome known) {
        /** Reads the answer; a fault yields the fallback status. */
        Outcome await() {
            if (known != null) {
                return known;
            }
            try {
                return child.record(stage, reply.await(), startNanos);
            } catch (MilterClientException e) {
                return child.failed(stage, e, startNanos);
            }
        }
    }

    /** An end-of-message outcome with the child's edits ({@code result} is {@code null} when it failed). */
    record EndOfMessageOutcome(Outcome outcome, EndOfMessageResult result) {
    }
}
