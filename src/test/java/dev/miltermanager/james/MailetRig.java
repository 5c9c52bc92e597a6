package dev.miltermanager.james;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;

/**
 * A {@link MilterMailet} in James's test doubles: a {@code FakeMailContext} that records what the mailet sends, a
 * {@code FakeMailetConfig} with the given init parameters, and mails as James's SMTP server makes them (remote
 * address and host, HELO and SMTP AUTH attributes). Not thread-safe.
 */
final class MailetRig implements AutoCloseable {
    static final String MESSAGE = """
            Received: from client.example.net (client.example.net [192.0.2.7])\r
            \tby mx.example.org with ESMTP\r
            Message-ID: <original-id@example.net>\r
            From: Alice <alice@example.net>\r
            To: Bob <bob@example.org>\r
            Subject: hello\r
            \r
            line one\r
            line two\r
            """;

    final FakeMailContext context = FakeMailContext.defaultContext();
    final MilterMailet mailet = new MilterMailet();
    private int mails;

    /** Starts the mailet with these init parameters (name, value, name, value…), {@code hostname} preset. */
    MailetRig(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("milters").mailetContext(context)
                .setProperty("hostname", "mx.example.org");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    /** The parameters for these children (NAME=SPEC entries) with short timeouts, then {@code more}. */
    static String[] children(List<String> entries, String... more) {
        String[] all = new String[4 + more.length];
        all[0] = "milters";
        all[1] = String.join("\n", entries);
        all[2] = "readingTimeout";
        all[3] = "5";
        System.arraycopy(more, 0, all, 4, more.length);
        return all;
    }

    /** A mail as James's SMTP server hands it over, with {@link #MESSAGE} and two recipients. */
    FakeMail.Builder mail() throws MessagingException {
        return mail(message(MESSAGE));
    }

    FakeMail.Builder mail(MimeMessage message) throws MessagingException {
        return FakeMail.builder().name("mail-" + (++mails)).state("transport")
                .remoteAddr("192.0.2.7").remoteHost("client.example.net")
                .sender("alice@example.net").recipients("bob@example.org", "carol@example.org")
                .attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of("client.example.net")))
                .attribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("alice")))
                .mimeMessage(message);
    }

    static MimeMessage message(String text) throws MessagingException {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The message as James would store it. */
    static String written(MimeMessage message) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A mail's string attribute named {@code milter.SUFFIX}. */
    static Optional<String> attribute(Mail mail, String suffix) {
        return mail.getAttribute(AttributeName.of("milter." + suffix)).map(a -> String.valueOf(a.getValue().value()));
    }

    /** The attributes of a mail the mailet sent, by name. */
    static Map<String, String> attributes(FakeMailContext.SentMail sent) {
        Map<String, String> out = new LinkedHashMap<>();
        sent.getAttributes().forEach((name, a) -> out.put(name.asString(), String.valueOf(a.getValue().value())));
        return out;
    }

    @Override
    public void close() {
        mailet.destroy();
    }
}
