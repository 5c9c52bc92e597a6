package dev.miltermanager.milter;

/**
 * Makes one {@link Milter} per MTA connection (and again after the MTA's "new connection on this socket"
 * command). Called on the connection's thread after option negotiation, when the first event arrives, so the
 * context already holds the negotiated options.
 *
 * {@snippet :
 * MilterFactory factory = context -> new SubjectMilter(context);
 * }
 *
 * <p>Called concurrently from many connections: it must be thread-safe. If it throws, the connection is closed
 * and the error logged.
 */
@FunctionalInterface
public interface MilterFactory {

    /** A fresh milter for one connection. */
    Milter create(MilterContext context);
}
