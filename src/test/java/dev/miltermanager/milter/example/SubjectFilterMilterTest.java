package dev.miltermanager.milter.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example milter end to end over loopback, driven with the protocol and transport packages only. */
class SubjectFilterMilterTest {

    @Test
    void stampsACleanMessageAndRejectsAForbiddenSubject() throws IOException {
        try (MilterServer server = MilterServer.create(ConnectionSpec.parse("inet:0@[127.0.0.1]"),
                SubjectFilterMilter.SPEC, context -> new SubjectFilterMilter(context, "viagra")).start();
                Connection mta = Connection.connect(server.boundSpec(), Duration.ofSeconds(5))) {
            PacketReader reader = new PacketReader(mta.input(), Integer.MAX_VALUE);
            mta.write(CommandCodec.encode(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL)));
            Response.Negotiate agreed = assertInstanceOf(Response.Negotiate.class, ResponseCodec.decode(reader.read()));
            assertEquals(Action.ADD_HEADERS.bit() | Action.SET_MACRO_LIST.bit(), agreed.actions());

            assertEquals(List.of(new Response.AddHeader("X-Subject-Filter", "passed; queue id 4F1"),
                    Verdict.CONTINUE), message(mta, reader, "Lunch on Friday?", "4F1"));
            assertEquals(List.of(new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "Subject refused by policy"))),
                    message(mta, reader, " Cheap VIAGRA here", "4F2"));
        }
    }

    /** Sends one message (MAIL, RCPT, header, EOM) and returns the end-of-message answers. */
    private static List<Response> message(Connection mta, PacketReader reader, String subject, String queueId)
            throws IOException {
        mta.write(CommandCodec.encode(new Command.MailFrom("<a@example.org>")));
        assertEquals(Verdict.CONTINUE, ResponseCodec.decode(reader.read()));
        // RCPT, DATA, EOH and BODY are not wanted: Postfix would not send them
        mta.write(CommandCodec.encode(new Command.Header("Subject", subject)));  // no reply expected
        mta.write(CommandCodec.encode(new Command.Macros('E', Map.of("i", queueId))),
                CommandCodec.encode(new Command.EndOfMessage()));
        List<Response> answers = new ArrayList<>();
        Response r;
        do {
            r = ResponseCodec.decode(reader.read());
            answers.add(r);
        } while (!(r instanceof Response.Decision));
        return answers;
    }
}
