/**
 * Sockets for the milter protocol: {@link dev.miltermanager.transport.ConnectionSpec} parses and prints the
 * {@code inet:}, {@code inet6:}, {@code unix:} and {@code local:} specs of Sendmail, Postfix and the reference
 * milter manager; {@link dev.miltermanager.transport.Listener} listens on TCP or Unix-domain sockets (with the
 * socket file's mode, group and stale-file handling); {@link dev.miltermanager.transport.Connection} wraps a
 * connected socket with a buffered input, gathering writes and per-call deadlines, enforced by the one
 * {@link dev.miltermanager.transport.Watchdog} that closes a channel whose deadline passed and reported as a
 * {@link dev.miltermanager.transport.DeadlineExceededException}.
 *
 * <p>Everything is blocking I/O on JDK channels, meant to run on virtual threads. This package knows nothing of
 * the milter protocol itself and imports no other package of the project.
 */
package dev.miltermanager.transport;
