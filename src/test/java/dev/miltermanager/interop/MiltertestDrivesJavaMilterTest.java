package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InstructedMilter.Connection;
import dev.miltermanager.interop.InstructedMilter.Event;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.NegotiatedOptions;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proof that a foreign MTA side drives our {@link MilterServer}: OpenDKIM's {@code miltertest} runs the Lua
 * scripts in {@code src/test/resources/interop/miltertest/} against a Java milter ({@link InstructedMilter}) over
 * TCP and over a Unix socket. The scripts check every reply and end-of-message change on the wire and fail with
 * {@code error(...)} on the first mismatch; the tests then check what the Java milter saw.
 */
class MiltertestDrivesJavaMilterTest {

    /** The two socket kinds miltertest can reach. */
    enum Transport {
        TCP, UNIX;

        ConnectionSpec listen(Path directory) {
            return this == TCP ? ConnectionSpec.inet("127.0.0.1", 0)
                    : ConnectionSpec.unix(directory.resolve("milter.sock"));
        }
    }

    private static final MilterSpec ALL_ACTIONS = MilterSpec.builder()
            .actions(Action.ADD_HEADERS, Action.CHANGE_HEADERS, Action.CHANGE_BODY, Action.ADD_RECIPIENTS,
                    Action.ADD_RECIPIENTS_WITH_ARGS, Action.DELETE_RECIPIENTS, Action.CHANGE_FROM,
                    Action.QUARANTINE)
            .skip()
            .build();

    @TempDir
    Path directory;

    /** Serves the recorder's milters, runs the script, closes the server (so every session has ended). */
    private String run(Transport transport, MilterSpec spec, InstructedMilter.Recorder recorder, String script) {
        try (MilterServer server = MilterServer.create(transport.listen(directory), spec, recorder).start()) {
            return Miltertest.run(script, server.boundSpec());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everyVerdictAtEveryStageReachesMiltertestAndTheConversationGoesOn(Transport transport) {
        var recorder = new InstructedMilter.Recorder();
        String output = run(transport, ALL_ACTIONS, recorder, "verdicts.lua");

        // "SENT rcpt.reject.test: connect helo unknown mail rcpt rcpt data header eoh body eom"
        Map<String, List<String>> sent = output.lines()
                .filter(line -> line.startsWith("SENT "))
                .map(line -> line.substring("SENT ".length()).split(": ", 2))
                .collect(Collectors.toMap(parts -> parts[0], parts -> List.of(parts[1].split(" "))));
        Map<String, Connection> byHost = recorder.connections().stream()
                .collect(Collectors.toMap(Connection::host, Function.identity()));
        // 10 stages times 9 verdicts, less SHUTDOWN at end of message (see verdicts.lua)
        assertEquals(10 * 9 - 1, sent.size(), output);
        assertEquals(sent.keySet(), byHost.keySet());
        List<String> differences = sent.entrySet().stream()
                .filter(e -> !byHost.get(e.getKey()).names()
                        .equals(Stream.concat(e.getValue().stream(), Stream.of("close")).toList()))
                .map(e -> e.getKey() + ": sent " + e.getValue() + ", the milter saw " + byHost.get(e.getKey()).names())
                .sorted()
                .toList();
        assertEquals(List.of(), differences, "each connection's callbacks must be the commands sent, then close");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everyEndOfMessageChangeAndReplyCodeIsWhatMiltertestReads(Transport transport) {
        var recorder = new InstructedMilter.Recorder((message, editor) -> switch (message) {
            case 1 -> {
                editor.addHeader("X-Added", "first");
                editor.addHeader("X-Added", "second");
                editor.insertHeader(0, "X-Inserted", "at the top");
                editor.changeHeader("Subject", 1, "changed subject");
                editor.deleteHeader("X-Spam", 2);
                editor.addRecipient("<added@example.net>");
                editor.addRecipient("<with-args@example.net>", "NOTIFY=NEVER");
                editor.deleteRecipient("<gone@example.net>");
                editor.changeFrom("<new-sender@example.org>", "SIZE=100");
                editor.quarantine("held for review");
                editor.progress();
                editor.replaceBody("Replaced body.\r\n".getBytes(StandardCharsets.US_ASCII));
                editor.replaceBody("Second line.\r\n".getBytes(StandardCharsets.US_ASCII));
                yield Verdict.CONTINUE;
            }
            case 2 -> Verdict.reject(550, "5.7.1", "Not this one,", "not at 100% either");
            default -> Verdict.tempFail(451, "4.3.0", "Busy");
        });
        run(transport, ALL_ACTIONS, recorder, "edits.lua");

        assertEquals(3, recorder.onlyConnection().all("eom").size());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void macrosOfEveryStageReachTheMilter(Transport transport) {
        var recorder = new InstructedMilter.Recorder();
        run(transport, MilterSpec.defaults(), recorder, "macros.lua");

        Connection connection = recorder.onlyConnection();
        assertEquals(Map.of("j", "mx.example.org", "{daemon_name}", "smtpd", "{client_addr}", "192.0.2.7"),
                connection.first("connect").stageMacros());
        assertEquals(Map.of("{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384"),
                connection.first("helo").stageMacros());
        List<Event> mails = connection.all("mail");
        assertEquals(Map.of("{mail_addr}", "sender@example.org", "{auth_authen}", "alice"),
                mails.get(0).stageMacros());
        List<Event> recipients = connection.all("rcpt");
        assertEquals(Map.of("{rcpt_addr}", "first@example.net"), recipients.get(0).stageMacros());
        assertEquals(Map.of("{rcpt_addr}", "second@example.net"), recipients.get(1).stageMacros(),
                "a stage's macros replace its earlier ones");
        assertEquals(Map.of("i", "4XyZ1", "{data_note}", "at data"), connection.first("data").stageMacros());
        assertEquals(Map.of("{eoh_note}", "at end of headers"), connection.first("eoh").stageMacros());
        Event eom = connection.first("eom");
        assertEquals(Map.of("{msg_size}", "1234", "{eom_note}", "a value with spaces"), eom.stageMacros());
        assertEquals(List.of("j", "{daemon_name}", "{client_addr}", "{tls_version}", "{cipher}", "{mail_addr}",
                        "{auth_authen}", "{rcpt_addr}", "i", "{data_note}", "{msg_size}", "{eom_note}",
                        "{eoh_note}"),
                List.copyOf(eom.allMacros().keySet()), "every stage's macros are visible at end of message");

        // Message 2: its MAIL macros replace message 1's, whose recipient and later macros are forgotten.
        assertEquals(Map.of("{mail_addr}", "other@example.org"), mails.get(1).stageMacros());
        assertEquals(Map.of(), recipients.get(2).stageMacros());
        assertEquals(List.of("j", "{daemon_name}", "{client_addr}", "{tls_version}", "{cipher}", "{mail_addr}"),
                List.copyOf(recipients.get(2).allMacros().keySet()));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void severalMessagesOnOneConnectionWithAbortsAndUnknownCommandsBetween(Transport transport) {
        var recorder = new InstructedMilter.Recorder((message, editor) -> {
            editor.addHeader("X-Message", Integer.toString(message));
            return Verdict.CONTINUE;
        });
        run(transport, ALL_ACTIONS, recorder, "messages.lua");

        List<String> message1 = message(1, List.of("<a@example.net>"), List.of("first\r\n"));
        List<String> message3 = Stream.of(
                List.of("mail <sender3@example.org>", "rcpt <b@example.net>", "rcpt <c@example.net>",
                        "unknown XNOTE inside"),
                message(3, List.of(), List.of("part one\r\n", "part two\r\n")).subList(1, 7))
                .flatMap(List::stream).toList();
        List<String> expected = Stream.of(
                List.of("connect client.example INET 12345 192.0.2.1", "helo client.example"),
                message1,
                List.of("mail <sender2@example.org>", "rcpt <a@example.net>", "data", "header Subject: message 2",
                        "abort", "unknown XPING between"),
                message3,
                List.of("mail <sender4@example.org>", "abort"),
                message(5, List.of("<d@example.net>"), List.of("fifth\r\n")),
                List.of("helo again.example"),
                message(6, List.of("<e@example.net>"), List.of("sixth\r\n")),
                List.of("close"))
                .flatMap(List::stream).toList();
        assertEquals(expected, recorder.onlyConnection().events().stream().map(Event::toString).toList());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void twoInterleavedConnectionsEachKeepTheirOwnMilter(Transport transport) {
        var recorder = new InstructedMilter.Recorder((message, editor) -> {
            editor.addHeader("X-Client", editor.client().orElseThrow().hostname());
            editor.addHeader("X-Message", Integer.toString(message));
            return Verdict.CONTINUE;
        });
        run(transport, ALL_ACTIONS, recorder, "interleaved.lua");

        Map<String, Connection> byHost = recorder.connections().stream()
                .collect(Collectors.toMap(Connection::host, Function.identity()));
        assertEquals(2, byHost.get("a.example").all("eom").size());
        assertEquals(1, byHost.get("b.example").all("eom").size());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void headerLeadingSpaceIsAgreedAndHonoured(Transport transport) {
        var recorder = new InstructedMilter.Recorder((message, editor) -> {
            editor.addHeader("X-Spaced", " kept as given");
            return Verdict.CONTINUE;
        });
        run(transport, MilterSpec.builder().actions(Action.ADD_HEADERS).headerLeadingSpace().build(), recorder,
                "leading-space.lua");

        assertEquals("Subject:  spaced out", recorder.onlyConnection().first("header").detail());
    }

    /** The callbacks of one complete message as messages.lua sends it (no recipients given: none listed). */
    private static List<String> message(int n, List<String> recipients, List<String> bodies) {
        return Stream.of(
                List.of("mail <sender" + n + "@example.org>"),
                recipients.stream().map(r -> "rcpt " + r).toList(),
                List.of("data", "header Subject: message " + n, "eoh"),
                bodies.stream().map(b -> "body " + b).toList(),
                List.of("eom"))
                .flatMap(List::stream).toList();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void negotiationGivesMiltertestWhatTheSpecDeclaresAndRefusesWhatItCannotMeet(Transport transport) {
        MilterSpec spec = MilterSpec.builder()
                .actions(Action.ADD_HEADERS, Action.CHANGE_HEADERS, Action.QUARANTINE)
                .events(Arrays.stream(Stage.values()).filter(s -> s != Stage.UNKNOWN).toArray(Stage[]::new))
                .noReply(Stage.HEADER)
                .skip()
                .macros(MacroStage.EOM, "i")
                .build();
        var recorder = new InstructedMilter.Recorder();
        run(transport, spec, recorder, "negotiation.lua");

        // Connections 3 and 4 were refused in negotiation, before any milter was made.
        List<Connection> connections = recorder.connections();
        assertEquals(2, connections.size(), connections::toString);
        NegotiatedOptions full = connections.get(0).options();
        assertEquals(List.of(6, 0x1FF, 0x1FFFFF), List.of(full.mtaVersion(), full.mtaActions(), full.mtaProtocol()));
        assertTrue(full.has(ProtocolFlag.NR_HEADER) && full.has(ProtocolFlag.SKIP), full::toString);
        assertEquals(2, connections.get(0).all("header").size());

        NegotiatedOptions reduced = connections.get(1).options();
        assertEquals(0x1FFFFF & ~(ProtocolFlag.NR_HEADER.bit() | ProtocolFlag.SKIP.bit()), reduced.mtaProtocol(),
                "mt.negotiate's third argument is the protocol offer");
        assertFalse(reduced.has(ProtocolFlag.NR_HEADER) || reduced.has(ProtocolFlag.SKIP), reduced::toString);
        assertEquals(1, connections.get(1).all("header").size());
    }

    @Test
    void aFailingScriptFailsTheTestWithMiltertestsOutput() {
        // A check of the harness itself: the milter continues everywhere, the script expects a REJECT at HELO.
        AssertionError failure = assertThrows(AssertionError.class,
                () -> run(Transport.UNIX, MilterSpec.defaults(), new InstructedMilter.Recorder(),
                        "wrong-expectation.lua"));
        String message = failure.getMessage();
        assertTrue(message.contains("miltertest wrong-expectation.lua failed (exit 1)"), message);
        assertTrue(message.contains("helo: expected REJECT, the milter answered CONTINUE"), message);
        assertTrue(message.contains("HELO sent on fd"), message);
    }
}
