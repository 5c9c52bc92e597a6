package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {

    @Test
    void aWholeMessageOverAUnixSocketWithEdits(@TempDir Path dir) {
        Path socket = dir.resolve("milter.sock");
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS).build();
        try (ServerFixture f = new ServerFixture(ConnectionSpec.parse("unix:" + socket), spec,
                UnaryOperator.identity())) {
            assertEquals(ConnectionSpec.unix(socket), f.server.boundSpec());
            assertTrue(Files.exists(socket));
            f.script.endOfMessage = (editor, e) -> {
                editor.addHeader("X-Via", "unix");
                return Verdict.CONTINUE;
            };
            MtaDriver mta = f.connectPostfixLike();
            mta.ask(new Command.Connect("localhost", Command.Family.UNIX, 0, "/var/run/smtpd"));
            mta.ask(StateMachineTest.H);
            mta.ask(StateMachineTest.M);
            mta.ask(StateMachineTest.R);
            mta.send(StateMachineTest.E);
            assertEquals(List.of(new Response.AddHeader("X-Via", "unix"), Verdict.CONTINUE),
                    mta.untilDecision().stream().map(MtaDriver.Received::response).toList());
            assertEquals(new Command.Connect("localhost", Command.Family.UNIX, 0, "/var/run/smtpd"),
                    f.script.next().args().getFirst());
        }
        assertFalse(Files.exists(socket), "the socket file goes away with the server");
    }

    @Test
    void aProtocolErrorOnAUnixSocketClosesOnlyThatConnection(@TempDir Path dir) {
        try (ServerFixture f = new ServerFixture(ConnectionSpec.parse("unix:" + dir.resolve("m.sock")),
                MilterSpec.defaults(), UnaryOperator.identity())) {
            MtaDriver good = f.connectAndHelo();
            MtaDriver bad = f.connectPostfixLike();
            bad.sendRaw(ByteBuffer.wrap(HexFormat.ofDelimiter(":").parseHex("00:00:00:01:3f")));  // '?'
            bad.assertClosedByMilter();
            assertEquals(Verdict.CONTINUE, good.ask(StateMachineTest.M));
        }
    }
}
