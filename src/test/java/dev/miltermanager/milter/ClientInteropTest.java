package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our own MTA side ({@link MilterClient}) against our milter side: what the manager will do with Java children. */
class ClientInteropTest {

    @Test
    void theClientSeesEveryEditAndTheVerdictAndCanReuseTheConnection() {
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS, Action.CHANGE_BODY)
                .noReply(Stage.HEADER).skip().build();
        try (ServerFixture f = new ServerFixture(spec)) {
            f.script.answer = e -> e.name().equals("body") ? Verdict.SKIP : Verdict.CONTINUE;
            f.script.endOfMessage = (editor, e) -> {
                editor.addHeader("X-Queue", editor.macro("i").orElse("?"));
                editor.replaceBody(new byte[70_000]);
                return Verdict.CONTINUE;
            };
            try (MilterClient client = MilterClient.connect(f.server.boundSpec(), ClientOptions.DEFAULTS)) {
                client.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
                for (int round = 0; round < 2; round++) {
                    client.send(new Command.Connect("h", Command.Family.INET, 25, "192.0.2.1"));
                    client.send(new Command.Helo("h"));
                    client.send(new Command.MailFrom("<a@example.org>"));
                    client.send(new Command.Recipient("<b@example.org>"));
                    client.send(new Command.Data());
                    client.send(new Command.Header("Subject", "hi"));
                    client.send(new Command.EndOfHeaders());
                    assertEquals(Verdict.SKIP, client.body(ByteBuffer.wrap(new byte[200_000])));
                    EndOfMessageResult result = client.endOfMessage(Map.of("i", "Q" + round), r -> { });
                    assertEquals(Verdict.CONTINUE, result.decision());
                    assertEquals(List.of(new Response.AddHeader("X-Queue", "Q" + round)),
                            result.modifications(Response.AddHeader.class));
                    assertEquals(2, result.modifications(Response.ReplaceBody.class).size());
                    client.abort();
                    client.quitNewConnection();
                }
                client.quit();
            }
            assertEquals(2, f.script.instances.get(), "one milter per connection started after K");
        }
    }
}
