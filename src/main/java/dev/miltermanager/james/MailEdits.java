package dev.miltermanager.james;

import dev.miltermanager.protocol.Response;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.mailet.Mail;

/**
 * The milters' end-of-message edits applied to a mail: header edits to its message in place, a replaced body by
 * rebuilding the message, recipients added and deleted; and the addresses milters give (in angle brackets) as
 * James addresses. The Message-ID is kept throughout. Stateless.
 */
final class MailEdits {
    private static final System.Logger LOG = System.getLogger(MailEdits.class.getName());

    private MailEdits() {
    }

    /** Header edits and a replaced body; returns whether anything changed. */
    static boolean applyToMessage(Mail mail, MilterVerdict verdict) throws MessagingException {
        MimeMessage message = mail.getMessage();
        MessageHeaders headers = MessageHeaders.read(message, verdict.leadingSpace());
        ByteArrayOutputStream body = null;
        for (Response.Modification edit : verdict.edits()) {
            switch (edit) {
                case Response.AddHeader h -> headers.apply(h);
                case Response.InsertHeader h -> headers.apply(h);
                case Response.ChangeHeader h -> headers.apply(h);
                case Response.ReplaceBody b -> {
                    if (body == null) {
                        body = new ByteArrayOutputStream();
                    }
                    body.writeBytes(b.toByteArray());
                }
                default -> {
                }
            }
        }
        if (body != null) {
            mail.setMessage(rebuilt(headers, body.toByteArray()));
            return true;
        }
        if (headers.changed()) {
            headers.writeTo(message);
            return true;
        }
        return false;
    }

    private static MimeMessage rebuilt(MessageHeaders headers, byte[] body) throws MessagingException {
        StringBuilder head = new StringBuilder();
        for (String line : headers.rawLines()) {
            head.append(line).append("\r\n");
        }
        head.append("\r\n");
        InputStream in = new SequenceInputStream(
                new ByteArrayInputStream(head.toString().getBytes(StandardCharsets.ISO_8859_1)),
                new ByteArrayInputStream(body));
        return new KeptIdMessage(Session.getInstance(new Properties()), in);
    }

    /** A message whose Message-ID survives {@code saveChanges()} (JavaMail would otherwise make a new one). */
    static final class KeptIdMessage extends MimeMessage {
        KeptIdMessage(Session session, InputStream in) throws MessagingException {
            super(session, in);
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            if (getMessageID() == null) {
                super.updateMessageID();
            }
        }
    }

    static boolean applyToRecipients(Mail mail, List<Response.Modification> edits) {
        List<MailAddress> recipients = new ArrayList<>(mail.getRecipients());
        boolean changed = false;
        for (Response.Modification edit : edits) {
            String added = switch (edit) {
                case Response.AddRecipient a -> a.recipient();
                case Response.AddRecipientWithArgs a -> a.recipient();
                default -> null;
            };
            if (added != null) {
                MailAddress address = address(added);
                if (address != null && !recipients.contains(address)) {
                    recipients.add(address);
                    changed = true;
                }
            } else if (edit instanceof Response.DeleteRecipient d) {
                MailAddress address = address(d.recipient());
                changed |= address != null && recipients.remove(address);
            }
        }
        if (changed) {
            mail.setRecipients(recipients);
        }
        return changed;
    }

    private static MailAddress address(String milterAddress) {
        String bare = unbracketed(milterAddress);
        try {
            return new MailAddress(bare);
        } catch (AddressException e) {
            LOG.log(Level.WARNING, () -> "[james] a milter gave the recipient '" + milterAddress
                    + "', which is not an address; edit ignored");
            return null;
        }
    }

    static MaybeSender sender(String milterAddress) {
        String bare = unbracketed(milterAddress);
        if (bare.isEmpty()) {
            return MaybeSender.nullSender();
        }
        try {
            return MaybeSender.of(new MailAddress(bare));
        } catch (AddressException e) {
            LOG.log(Level.WARNING, () -> "[james] a milter changed the sender to '" + milterAddress
                    + "', which is not an address; change ignored");
            return null;
        }
    }

    private static String unbracketed(String address) {
        String a = address.strip();
        return a.startsWith("<") && a.endsWith(">") ? a.substring(1, a.length() - 1) : a;
    }
}
