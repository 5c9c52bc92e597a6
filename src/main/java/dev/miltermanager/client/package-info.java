/**
 * The MTA side of the milter protocol: {@link dev.miltermanager.client.MilterClient} opens one session to a milter,
 * negotiates, sends the events of an SMTP conversation and returns the milter's verdicts as values, and collects
 * the edits a milter makes at end of message into an {@link dev.miltermanager.client.EndOfMessageResult}.
 *
 * <p>The client honours what the milter negotiated: events it asked not to receive, or that its protocol version
 * does not define, are not sent and yield a synthesized continue; events it will not answer are sent without
 * waiting. Every blocking step is bounded by a timeout from {@link dev.miltermanager.client.ClientOptions}.
 * Faults (connect, timeout, lost connection, I/O, protocol violation) are unchecked
 * {@link dev.miltermanager.client.MilterClientException}s, one type per cause; after any of them the client is
 * closed.
 */
package dev.miltermanager.client;
