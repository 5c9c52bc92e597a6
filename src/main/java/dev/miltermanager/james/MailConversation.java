package dev.miltermanager.james;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Status;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;

/**
 * Plays the MTA for one mail: the milter conversation an SMTP server would have had with a milter for it —
 * connect, HELO, MAIL, RCPT, DATA, headers, body in chunks, end of message — driven through a manager session,
 * and the verdict it gives. The body is read from the message's raw stream one chunk at a time.
 *
 * <p>What James keeps of the SMTP session goes in: the client's address and host name, the HELO name
 * ({@link Mail#SMTP_HELO}), the authenticated user ({@link Mail#SMTP_AUTH_USER}, as {@code {auth_authen}}), the TLS
 * protocol and cipher. James does not keep the client's port (0 is sent) nor the ESMTP parameters. Not
 * thread-safe: one mail.
 */
final class MailConversation {
    /** What the mailet offers: every action, SKIP, header values with their leading space, and "no reply" events. */
    static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL,
            ProtocolFlag.SKIP.bit() | ProtocolFlag.HEADER_LEADING_SPACE.bit() | ProtocolFlag.ALL_NO_REPLIES);
    static final String DAEMON_NAME = "James";

    private final SessionDriver session;
    private final int chunkSize;
    private final String hostname;
    private final List<MilterVerdict.Refusal> refused = new ArrayList<>();
    private boolean leadingSpace;

    MailConversation(SessionDriver session, int chunkSize, String hostname) {
        this.session = session;
        this.chunkSize = chunkSize;
        this.hostname = hostname;
    }

    /**
     * Runs the conversation and returns the milters' verdict.
     *
     * @throws MessagingException if the message cannot be read
     * @throws RuntimeException if the session fails or runs out of time ({@link SessionDriver.DeadlineException})
     */
    MilterVerdict run(Mail mail) throws MessagingException, IOException {
        Response.Negotiate agreed = (Response.Negotiate) session.send(OFFER).getFirst();
        leadingSpace = ProtocolFlag.HEADER_LEADING_SPACE.in(agreed.protocol());
        Response.Decision d = step('C', connectMacros(mail), connect(mail));
        if (ends(d)) {
            return end(d);
        }
        Optional<String> helo = attribute(mail, Mail.SMTP_HELO);
        if (helo.isPresent()) {
            d = step('H', tlsMacros(mail), new Command.Helo(helo.get()));
            if (ends(d)) {
                return end(d);
            }
        }
        d = step('M', mailMacros(mail), new Command.MailFrom(bracketed(mail.getMaybeSender().asString(""))));
        if (ends(d)) {
            return end(d);
        }
        boolean anyAccepted = false;
        for (MailAddress recipient : mail.getRecipients()) {
            String rcpt = bracketed(recipient.asString());
            d = step('R', Map.of("{rcpt_addr}", recipient.asString()), new Command.Recipient(rcpt));
            Status status = Status.of(d);
            if (status == Status.REJECT || status == Status.TEMPORARY_FAILURE) {
                refused.add(new MilterVerdict.Refusal(recipient.asString(), status, MilterVerdict.replyOf(d)));
            } else if (ends(d)) {
                return end(d); // discard ends the message; accept lets it (and every later recipient) through
            } else {
                anyAccepted = true;
            }
        }
        if (!anyAccepted) {
            session.send(new Command.Abort());
            return verdict(Status.ACCEPT, Optional.empty(), List.of());
        }
        d = step('T', Map.of("i", mail.getName()), new Command.Data());
        if (ends(d)) {
            return end(d);
        }
        MimeMessage message = mail.getMessage();
        for (Command.Header header : MessageHeaders.read(message, leadingSpace).commands()) {
            d = step(header);
            if (ends(d)) {
                return end(d);
            }
        }
        d = step(new Command.EndOfHeaders());
        if (ends(d)) {
            return end(d);
        }
        d = body(message);
        if (ends(d)) {
            return end(d);
        }
        return endOfMessage(mail);
    }

    private Response.Decision body(MimeMessage message) throws MessagingException, IOException {
        try (InputStream raw = message.getRawInputStream()) {
            BodyChunks chunks = new BodyChunks(raw, chunkSize);
            for (byte[] chunk = chunks.next(); chunk != null; chunk = chunks.next()) {
                Response.Decision d = step(Command.Body.of(chunk));
                if (d instanceof Response.Skip || ends(d)) {
                    return d;
                }
            }
        }
        return new Response.Continue();
    }

    private MilterVerdict endOfMessage(Mail mail) {
        session.send(new Command.Macros('E', Map.of("i", mail.getName())));
        List<Response> responses = session.send(new Command.EndOfMessage());
        List<Response.Modification> edits = new ArrayList<>();
        Response.Decision decision = new Response.Continue();
        for (Response r : responses) {
            if (r instanceof Response.Modification m) {
                edits.add(m);
            } else if (r instanceof Response.Decision dec) {
                decision = dec;
            }
        }
        Status status = Status.of(decision);
        if (status.isFinal()) {
            return verdict(status, Optional.of(MilterVerdict.replyOf(decision)), List.of());
        }
        return verdict(Status.ACCEPT, Optional.empty(), edits);
    }

    private static boolean ends(Response.Decision d) {
        Status s = Status.of(d);
        return s == Status.ACCEPT || s.isFinal();
    }

    /** The verdict of a decision that ended the conversation before end of message; the message is abandoned. */
    private MilterVerdict end(Response.Decision d) {
        session.send(new Command.Abort());
        Status status = Status.of(d);
        if (status == Status.ACCEPT) {
            return verdict(Status.ACCEPT, Optional.empty(), List.of());
        }
        return verdict(status, Optional.of(MilterVerdict.replyOf(d)).filter(r -> !r.isEmpty()), List.of());
    }

    private MilterVerdict verdict(Status status, Optional<String> reply, List<Response.Modification> edits) {
        return new MilterVerdict(status, reply, refused, edits, leadingSpace, Optional.empty());
    }

    private Response.Decision step(char code, Map<String, String> macros, Command command) {
        if (!macros.isEmpty()) {
            session.send(new Command.Macros(code, macros));
        }
        return step(command);
    }

    /** Sends an event; an event the milters do not answer (a "no reply" flag) counts as continue. */
    private Response.Decision step(Command command) {
        Response.Decision decision = new Response.Continue();
        for (Response r : session.send(command)) {
            if (r instanceof Response.Decision d) {
                decision = d;
            }
        }
        return decision;
    }

    // ---- what James keeps of the SMTP session, as the MTAs' macros and events ----

    static Command.Connect connect(Mail mail) {
        String address = mail.getRemoteAddr() == null ? "" : mail.getRemoteAddr().strip();
        String host = mail.getRemoteHost() == null || mail.getRemoteHost().isBlank()
                || mail.getRemoteHost().equals(address) ? "[" + address + "]" : mail.getRemoteHost();
        if (address.isEmpty()) {
            return Command.Connect.unknown(host.equals("[]") ? "localhost" : host);
        }
        Command.Family family = address.contains(":") ? Command.Family.INET6
                : address.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? Command.Family.INET : null;
        return family == null ? Command.Connect.unknown(host) : new Command.Connect(host, family, 0, address);
    }

    private Map<String, String> connectMacros(Mail mail) {
        Map<String, String> macros = new LinkedHashMap<>();
        macros.put("j", hostname);
        macros.put("{daemon_name}", DAEMON_NAME);
        Command.Connect c = connect(mail);
        if (!c.address().isEmpty()) {
            macros.put("{client_addr}", c.address());
        }
        macros.put("{client_name}", c.hostname());
        return macros;
    }

    private static Map<String, String> tlsMacros(Mail mail) {
        Map<String, String> macros = new LinkedHashMap<>();
        attribute(mail, Mail.SSL_PROTOCOL).ifPresent(v -> macros.put("{tls_version}", v));
        attribute(mail, Mail.SSL_CIPHER).ifPresent(v -> macros.put("{cipher}", v));
        return macros;
    }

    private static Map<String, String> mailMacros(Mail mail) {
        Map<String, String> macros = new LinkedHashMap<>();
        macros.put("i", mail.getName());
        macros.put("{mail_addr}", mail.getMaybeSender().asString(""));
        attribute(mail, Mail.SMTP_AUTH_USER).ifPresent(v -> macros.put("{auth_authen}", v));
        return macros;
    }

    private static Optional<String> attribute(Mail mail, org.apache.mailet.AttributeName name) {
        return mail.getAttribute(name).map(a -> a.getValue().value()).filter(String.class::isInstance)
                .map(String.class::cast).filter(v -> !v.isBlank());
    }

    private static String bracketed(String address) {
        return "<" + address + ">";
    }
}
