package dev.miltermanager.manager;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The MTA of a scenario: sends the manager the commands of an SMTP conversation and returns what the manager
 * answered. Two ways to reach the manager behave the same: an in-process {@link ManagerSession}, or the manager's
 * socket with a {@link MilterClient} playing the MTA.
 */
final class Mta implements AutoCloseable {
    static final String CLIENT_HOST = "client.example.org";
    static final String CLIENT_ADDRESS = "192.0.2.10";

    /** One way to the manager. */
    private interface Link extends AutoCloseable {
        List<Response> send(Command command);

        @Override
        void close();
    }

    private final Link link;

    private Mta(Link link) {
        this.link = link;
    }

    static Mta inProcess(ManagerSession session) {
        return new Mta(new Link() {
            @Override
            public List<Response> send(Command command) {
                return session.handle(command);
            }

            @Override
            public void close() {
                session.close();
            }
        });
    }

    static Mta overSocket(ConnectionSpec manager) {
        MilterClient client = MilterClient.connect(manager, ClientOptions.builder().name("manager")
                .allTimeouts(Duration.ofSeconds(10)).build());
        return new Mta(new Link() {
            private final Map<Character, Map<String, String>> macros = new HashMap<>();

            @Override
            public List<Response> send(Command command) {
                Map<String, String> pending = macros.getOrDefault(command.code(), Map.of());
                return switch (command) {
                    case Command.Negotiate n -> List.of(client.negotiate(n).reply());
                    case Command.Macros m -> {
                        macros.put(m.commandCode(), m.macros());
                        yield List.of();
                    }
                    case Command.Body b -> List.of(client.body(b.chunk()));
                    case Command.EndOfMessage e -> {
                        List<Response> responses = new ArrayList<>();
                        EndOfMessageResult result = client.endOfMessage(pending, responses::add);
                        responses.add(result.decision());
                        yield responses;
                    }
                    case Command.Abort a -> {
                        client.abort();
                        yield List.of();
                    }
                    case Command.Quit q -> {
                        client.quit();
                        yield List.of();
                    }
                    case Command.QuitNewConnection q -> {
                        client.quitNewConnection();
                        yield List.of();
                    }
                    default -> List.of(client.send(command, pending));
                };
            }

            @Override
            public void close() {
                client.close();
            }
        });
    }

    /** Any command; every response the manager sent for it. */
    List<Response> send(Command command) {
        return link.send(command);
    }

    /** Offers what Postfix offers: version 6, every action, every protocol flag. */
    Response.Negotiate negotiate() {
        return negotiate(6, Action.ALL, ProtocolFlag.ALL);
    }

    Response.Negotiate negotiate(int version, int actions, int protocol) {
        return (Response.Negotiate) one(new Command.Negotiate(version, actions, protocol));
    }

    void macros(char commandCode, Map<String, String> macros) {
        List<Response> none = send(new Command.Macros(commandCode, macros));
        if (!none.isEmpty()) {
            throw new AssertionError("macros were answered: " + none);
        }
    }

    Response.Decision connect() {
        return decision(new Command.Connect(CLIENT_HOST, Command.Family.INET, 40000, CLIENT_ADDRESS));
    }

    Response.Decision helo() {
        return decision(new Command.Helo(CLIENT_HOST));
    }

    Response.Decision unknown(String line) {
        return decision(new Command.Unknown(line));
    }

    Response.Decision mail(String sender) {
        return decision(new Command.MailFrom(sender));
    }

    Response.Decision rcpt(String recipient) {
        return decision(new Command.Recipient(recipient));
    }

    Response.Decision data() {
        return decision(new Command.Data());
    }

    Response.Decision header(String name, String value) {
        return decision(new Command.Header(name, value));
    }

    Response.Decision eoh() {
        return decision(new Command.EndOfHeaders());
    }

    Response.Decision body(String text) {
        return decision(Command.Body.of(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** End of message: the edits, then the verdict last. */
    List<Response> eom() {
        return send(new Command.EndOfMessage());
    }

    /** The verdict at end of message, when no edits are expected. */
    Response.Decision eomDecision() {
        return decision(new Command.EndOfMessage());
    }

    void abort() {
        none(new Command.Abort());
    }

    void quit() {
        none(new Command.Quit());
    }

    /**
     * A whole message with one recipient, one header and a one-line body; the verdict at end of message (every
     * other answer must be continue).
     */
    Response.Decision message(String sender, String recipient, String body) {
        requireContinue(mail(sender), "MAIL");
        requireContinue(rcpt(recipient), "RCPT");
        requireContinue(data(), "DATA");
        requireContinue(header("Subject", "test"), "HEADER");
        requireContinue(eoh(), "EOH");
        requireContinue(body(body), "BODY");
        return eomDecision();
    }

    private static void requireContinue(Response.Decision decision, String where) {
        if (!(decision instanceof Response.Continue)) {
            throw new AssertionError("the manager answered " + decision + " at " + where + ", expected continue");
        }
    }

    private Response.Decision decision(Command command) {
        Response response = one(command);
        if (!(response instanceof Response.Decision d)) {
            throw new AssertionError(command + " was answered with " + response + ", not a decision");
        }
        return d;
    }

    private Response one(Command command) {
        List<Response> responses = send(command);
        if (responses.size() != 1) {
            throw new AssertionError(command + " was answered with " + responses.size() + " responses: " + responses);
        }
        return responses.getFirst();
    }

    private void none(Command command) {
        List<Response> responses = send(command);
        if (!responses.isEmpty()) {
            throw new AssertionError(command + " was answered: " + responses);
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
