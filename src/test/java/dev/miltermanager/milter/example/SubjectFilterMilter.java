package dev.miltermanager.milter.example;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterContext;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A complete example milter: rejects a message whose Subject contains a forbidden word, and stamps every other
 * message with a header naming its queue id.
 *
 * <p>It declares exactly what it uses: the ADD_HEADERS action, the MAIL and HEADER events (headers without a
 * reply, since it decides only at end of message), and the queue id macro at end of message.
 *
 * <p>Run it on its own with {@code java ... SubjectFilterMilter inet:10025@[127.0.0.1] viagra}, and point
 * Postfix's {@code smtpd_milters} at the spec.
 */
public final class SubjectFilterMilter implements Milter {
    /** What the milter declares in negotiation. */
    public static final MilterSpec SPEC = MilterSpec.builder()
            .actions(Action.ADD_HEADERS)
            .events(Stage.MAIL, Stage.HEADER)
            .noReply(Stage.HEADER)
            .macros(MacroStage.EOM, "i")
            .build();

    private final MilterContext context;
    private final String forbidden;
    private String subject;

    public SubjectFilterMilter(MilterContext context, String forbiddenWord) {
        this.context = context;
        this.forbidden = forbiddenWord.toLowerCase(Locale.ROOT);
    }

    @Override
    public Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
        subject = "";  // a new message: forget the last one
        return Verdict.CONTINUE;
    }

    @Override
    public Response.Decision header(String name, String value) {
        if (name.equalsIgnoreCase("Subject")) {
            subject = value;
        }
        return Verdict.CONTINUE;  // dropped anyway: HEADER is declared without reply
    }

    @Override
    public Response.Decision endOfMessage(MessageEditor editor) {
        if (subject.toLowerCase(Locale.ROOT).contains(forbidden)) {
            return Verdict.reject(550, "5.7.1", "Subject refused by policy");
        }
        editor.addHeader("X-Subject-Filter", "passed; queue id " + context.macro("i").orElse("unknown"));
        return Verdict.CONTINUE;
    }

    /** Serves the milter until the process is stopped: {@code [spec [word]]}. */
    public static void main(String[] args) throws IOException, InterruptedException {
        ConnectionSpec listen = ConnectionSpec.parse(args.length > 0 ? args[0] : "inet:10025@[127.0.0.1]");
        String word = args.length > 1 ? args[1] : "viagra";
        MilterServer server = MilterServer.create(listen, SPEC, context -> new SubjectFilterMilter(context, word));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(java.time.Duration.ofSeconds(10))));
        server.start();
        System.out.println("subject filter listening on " + server.boundSpec());
        Thread.currentThread().join();
    }
}
