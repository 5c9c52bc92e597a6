package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session for unit tests of policies: the test feeds events as an MTA would, and asks a policy at each; the
 * macros the policy set for its child are kept in {@link #set}. Not thread-safe.
 */
final class Probe implements SessionView {
    private Command.Connect connect;
    private String helo;
    private String from;
    private final List<String> recipients = new ArrayList<>();
    private final List<Command.Header> headers = new ArrayList<>();
    private final Map<String, String> macros = new LinkedHashMap<>();
    private final Map<String, Status> children = new HashMap<>();
    int activeSessions = 1;
    /** The macros the policy set, by name. */
    final Map<String, String> set = new LinkedHashMap<>();

    Probe macro(String name, String value) {
        macros.put(name, value);
        return this;
    }

    Probe child(String name, Status status) {
        children.put(name, status);
        return this;
    }

    /** Asks {@code policy} at the event, after recording it in the session as the manager does. */
    boolean ask(ApplicabilityPolicy policy, Command event) {
        Stage stage = switch (event) {
            case Command.Connect c -> {
                connect = c;
                yield Stage.CONNECT;
            }
            case Command.Helo h -> {
                helo = h.name();
                yield Stage.HELO;
            }
            case Command.MailFrom m -> {
                from = m.sender();
                recipients.clear();
                headers.clear();
                yield Stage.MAIL;
            }
            case Command.Recipient r -> {
                recipients.add(r.recipient());
                yield Stage.RCPT;
            }
            case Command.Data d -> Stage.DATA;
            case Command.Header h -> {
                headers.add(h);
                yield Stage.HEADER;
            }
            case Command.EndOfHeaders e -> Stage.EOH;
            case Command.Body b -> Stage.BODY;
            case Command.EndOfMessage e -> Stage.EOM;
            case Command.Unknown u -> Stage.UNKNOWN;
            default -> throw new IllegalArgumentException("not an event: " + event);
        };
        return policy.applies(new PolicyContext() {
            @Override
            public String childName() {
                return "child";
            }

            @Override
            public Stage stage() {
                return stage;
            }

            @Override
            public Command event() {
                return event;
            }

            @Override
            public SessionView session() {
                return Probe.this;
            }

            @Override
            public void setMacro(String name, String value) {
                set.put(name, value);
            }
        });
    }

    static Command.Connect inet(String host, String address) {
        return new Command.Connect(host, address.contains(":") ? Command.Family.INET6 : Command.Family.INET, 25,
                address);
    }

    static Command.MailFrom mail(String sender) {
        return new Command.MailFrom(sender, List.of());
    }

    static Command.Recipient rcpt(String recipient) {
        return new Command.Recipient(recipient, List.of());
    }

    @Override
    public Optional<Command.Connect> connect() {
        return Optional.ofNullable(connect);
    }

    @Override
    public Optional<InetAddress> clientAddress() {
        if (connect == null || connect.family() == Command.Family.UNIX || connect.family() == Command.Family.UNKNOWN) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(connect.address()));
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
        return Optional.ofNullable(from);
    }

    @Override
    public List<String> recipients() {
        return List.copyOf(recipients);
    }

    @Override
    public List<Command.Header> headers() {
        return List.copyOf(headers);
    }

    @Override
    public Map<String, String> macros() {
        return Map.copyOf(macros);
    }

    @Override
    public Optional<String> macro(String name) {
        String bare = name.startsWith("{") ? name.substring(1, name.length() - 1) : name;
        return Optional.ofNullable(macros.getOrDefault("{" + bare + "}", macros.get(bare)));
    }

    @Override
    public boolean isAuthenticated() {
        return macro("auth_type").filter(v -> !v.isEmpty()).isPresent()
                || macro("auth_authen").filter(v -> !v.isEmpty()).isPresent();
    }

    @Override
    public Optional<Status> childStatus(String childName) {
        return Optional.ofNullable(children.get(childName));
    }

    @Override
    public int activeSessions() {
        return activeSessions;
    }
}
