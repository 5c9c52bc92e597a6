package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A first end-to-end check of the manager with two Java children over loopback. */
class ManagerSmokeTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private ConnectionSpec child(String name, List<String> seenHeaders) throws Exception {
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS).build();
        MilterServer server = MilterServer.create(ConnectionSpec.parse("inet:0@[127.0.0.1]"), spec,
                ctx -> new Milter() {
                    @Override
                    public Response.Decision recipient(String recipient, List<String> args) {
                        return recipient.contains("reject-" + name) ? Verdict.REJECT : Verdict.CONTINUE;
                    }

                    @Override
                    public Response.Decision header(String headerName, String value) {
                        seenHeaders.add(headerName + ": " + value);
                        return Verdict.CONTINUE;
                    }

                    @Override
                    public Response.Decision endOfMessage(MessageEditor editor) {
                        editor.addHeader("X-" + name, "seen");
                        return Verdict.CONTINUE;
                    }
                });
        server.start();
        open.add(server);
        return server.boundSpec();
    }

    @Test
    void laterChildSeesEarlierChildsHeaderAndRejectAtRcptRejectsOnlyThatRecipient() throws Exception {
        List<String> firstSaw = new CopyOnWriteArrayList<>();
        List<String> secondSaw = new CopyOnWriteArrayList<>();
        MilterManagerConfig config = MilterManagerConfig.builder()
                .addChild(ChildConfig.of("a", child("a", firstSaw)))
                .addChild(ChildConfig.of("b", child("b", secondSaw)))
                .build();
        MilterManager manager = MilterManager.create(config);
        open.add(manager);
        try (ManagerSession session = manager.openSession()) {
            Response negotiated = session.handle(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL)).getFirst();
            assertTrue(negotiated instanceof Response.Negotiate n && Action.ADD_HEADERS.in(n.actions()), negotiated.toString());
            assertEquals(List.of(new Response.Continue()),
                    session.handle(new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1")));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.Helo("client.example")));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.MailFrom("<a@example.org>")));
            assertEquals(List.of(new Response.Reject()), session.handle(new Command.Recipient("<reject-b@example.net>")));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.Recipient("<ok@example.net>")));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.Data()));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.Header("Subject", "hi")));
            assertEquals(List.of(new Response.Continue()), session.handle(new Command.EndOfHeaders()));
            assertEquals(List.of(new Response.Continue()),
                    session.handle(Command.Body.of("Hello\r\n".getBytes(StandardCharsets.US_ASCII))));
            List<Response> eom = session.handle(new Command.EndOfMessage());
            assertEquals(List.of(new Response.AddHeader("X-a", "seen"), new Response.AddHeader("X-b", "seen"),
                    new Response.Continue()), eom);
            assertEquals(List.of("Subject: hi"), firstSaw);
            assertEquals(List.of("Subject: hi", "X-a: seen"), secondSaw);
            session.handle(new Command.Abort());
        }
        assertEquals(0, manager.activeSessions());
    }
}
