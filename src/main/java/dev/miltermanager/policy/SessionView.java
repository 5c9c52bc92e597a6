package dev.miltermanager.policy;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Status;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only view of one MTA session as the manager has seen it so far, for policies. Values include the event
 * being decided: at MAIL the sender is set, at RCPT the recipient is the last of {@link #recipients()}, at HEADER
 * the header is the last of {@link #headers()}.
 */
public interface SessionView {

    /** The CONNECT event, once received. */
    Optional<Command.Connect> connect();

    /** The client's IP address when the connection came over IPv4 or IPv6. */
    Optional<InetAddress> clientAddress();

    /** The HELO argument, once received. */
    Optional<String> helo();

    /** The envelope sender of the current message, once received. */
    Optional<String> envelopeFrom();

    /** The recipients of the current message so far. */
    List<String> recipients();

    /** The headers of the current message so far, as {@code Command.Header} values in order. */
    List<Command.Header> headers();

    /** Every macro the MTA sent in this session so far, the latest value of each name. */
    Map<String, String> macros();

    /** A macro's value; {@code name} with or without braces ({@code auth_type} finds {@code {auth_type}}). */
    Optional<String> macro(String name);

    /** Whether the client authenticated ({@code {auth_type}} or {@code {auth_authen}} is set). */
    boolean isAuthenticated();

    /** The status another child answered last in this session (its real status, also in evaluation mode), by its name, if it answered anything. */
    Optional<Status> childStatus(String childName);

    /** How many MTA sessions the manager is processing now (this one included). */
    int activeSessions();
}
