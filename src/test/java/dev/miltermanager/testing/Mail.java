package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Commands of an ordinary SMTP session, for tests. */
final class Mail {
    static final Command.Connect CONNECT = new Command.Connect("mx.example.net", Command.Family.INET, 40000,
            "192.0.2.7");
    static final Command.Helo HELO = new Command.Helo("mx.example.net");
    static final Command.MailFrom MAIL = new Command.MailFrom("<alice@example.net>", List.of("SIZE=120"));
    static final Command.Recipient RCPT = new Command.Recipient("<bob@example.org>");
    static final Command.Data DATA = new Command.Data();
    static final Command.Header SUBJECT = new Command.Header("Subject", "hello");
    static final Command.EndOfHeaders EOH = new Command.EndOfHeaders();
    static final Command.Body BODY = body("Hi Bob,\r\nsee you.\r\n");
    static final Command.EndOfMessage EOM = new Command.EndOfMessage();
    static final Command.Unknown UNKNOWN = new Command.Unknown("XPING");
    static final Command.Abort ABORT = new Command.Abort();
    static final Command.Quit QUIT = new Command.Quit();

    private Mail() {
    }

    static Command.Body body(String text) {
        return Command.Body.of(text.getBytes(StandardCharsets.UTF_8));
    }

    static Command.Recipient rcpt(String address) {
        return new Command.Recipient(address);
    }
}
