/**
 * Writing a milter in Java: implement {@link dev.miltermanager.milter.Milter} (one callback per event, each
 * returning a {@link dev.miltermanager.milter.Verdict}), declare what it needs in a
 * {@link dev.miltermanager.milter.MilterSpec}, and serve it with a {@link dev.miltermanager.milter.MilterServer}
 * on a TCP or Unix-domain socket, one virtual thread and one milter instance per MTA connection. Callbacks read
 * macros and options through {@link dev.miltermanager.milter.MilterContext}; end of message changes the message
 * through {@link dev.miltermanager.milter.MessageEditor}.
 *
 * <p>The conversation follows libmilter's rules and leniency: negotiation (version, actions, faked no-reply
 * flags), its state machine (an ABORT after end of message is ignored; an out-of-order event aborts the open
 * message and is retried from HELO, or ignored), SKIP only where agreed, and a new connection after the MTA's
 * {@code K} on the same socket.
 */
package dev.miltermanager.milter;
