package dev.miltermanager.manager;

import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Status;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntSupplier;

/** What one MTA session has told the manager so far; the read-only face policies see. Session thread only. */
final class SessionState implements SessionView {
    private Command.Connect connect;
    private String helo;
    private String envelopeFrom;
    private final List<String> recipients = new ArrayList<>();
    private final List<Command.Header> headers = new ArrayList<>();
    private final Map<String, String> macros = new LinkedHashMap<>();
    private final Function<String, Optional<Status>> childStatus;
    private final IntSupplier activeSessions;

    SessionState(Function<String, Optional<Status>> childStatus, IntSupplier activeSessions) {
        this.childStatus = childStatus;
        this.activeSessions = activeSessions;
    }

    void connect(Command.Connect c) {
        connect = c;
        helo = null;
        newMessage();
    }

    void helo(String name) {
        helo = name;
    }

    void newMessage() {
        envelopeFrom = null;
        recipients.clear();
        headers.clear();
    }

    void envelopeFrom(String sender) {
        newMessage();
        envelopeFrom = sender;
    }

    void recipient(String recipient) {
        recipients.add(recipient);
    }

    void header(Command.Header header) {
        headers.add(header);
    }

    void macros(Map<String, String> received) {
        macros.putAll(received);
    }

    @Override
    public Optional<Command.Connect> connect() {
        return Optional.ofNullable(connect);
    }

    @Override
    public Optional<InetAddress> clientAddress() {
        if (connect == null || !(connect.family() == Command.Family.INET || connect.family() == Command.Family.INET6)) {
            return Optional.empty();
        }
        String address = connect.address();
        if (address.regionMatches(true, 0, "IPv6:", 0, 5)) {
            address = address.substring(5);
        }
        if (!address.matches("[0-9A-Fa-f:.%a-zA-Z]+") || !(address.contains(".") || address.contains(":"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<String> helo() {
        return Optional.ofNullable(helo);
    }

    @Override
    public Optional<String> envelopeFrom() {
        return Optional.ofNullable(envelopeFrom);
    }

    @Override
    public List<String> recipients() {
        return Collections.unmodifiableList(recipients);
    }

    @Override
    public List<Command.Header> headers() {
        return Collections.unmodifiableList(headers);
    }

    @Override
    public Map<String, String> macros() {
        return Collections.unmodifiableMap(macros);
    }

    @Override
    public Optional<String> macro(String name) {
        String bare = name.startsWith("{") && name.endsWith("}") ? name.substring(1, name.length() - 1) : name;
        String value = macros.get("{" + bare + "}");
        return Optional.ofNullable(value != null ? value : macros.get(bare));
    }

    @Override
    public boolean isAuthenticated() {
        return macro("auth_type").filter(v -> !v.isEmpty()).isPresent()
                || macro("auth_authen").filter(v -> !v.isEmpty()).isPresent();
    }

    @Override
    public Optional<Status> childStatus(String childName) {
        return childStatus.apply(childName);
    }

    @Override
    public int activeSessions() {
        return activeSessions.getAsInt();
    }

    /** Whether the MTA is Postfix (its {@code v} macro says so): it hides its own Received: header from milters. */
    boolean isPostfix() {
        return macros.getOrDefault("v", "").contains("Postfix");
    }
}
