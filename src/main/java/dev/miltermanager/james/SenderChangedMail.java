package dev.miltermanager.james;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.Serializable;
import java.util.Collection;
import java.util.Date;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;

/**
 * A mail with another envelope sender: the Mailet API has no setter for the sender, so a milter's change of sender
 * becomes this new mail — a duplicate of the original under the new sender, keeping its message, recipients,
 * attributes and remote address — sent to the spool while the original is ghosted. Everything but the sender is
 * the duplicate's.
 */
final class SenderChangedMail implements Mail {
    private static final long serialVersionUID = 1L;

    private final Mail mail;
    private final MaybeSender sender;

    SenderChangedMail(Mail duplicate, MaybeSender sender) {
        this.mail = duplicate;
        this.sender = sender;
    }

    @Override
    public MailAddress getSender() {
        return sender.asOptional().orElse(null);
    }

    @Override
    public MaybeSender getMaybeSender() {
        return sender;
    }

    @Override
    public boolean hasSender() {
        return !sender.isNullSender();
    }

    @Override
    public Mail duplicate() throws MessagingException {
        return new SenderChangedMail(mail.duplicate(), sender);
    }

    // ---- the rest is the duplicate's ----

    @Override
    public String getName() {
        return mail.getName();
    }

    @Override
    public void setName(String name) {
        mail.setName(name);
    }

    @Override
    public MimeMessage getMessage() throws MessagingException {
        return mail.getMessage();
    }

    @Override
    public void setMessage(MimeMessage message) throws MessagingException {
        mail.setMessage(message);
    }

    @Override
    public Collection<MailAddress> getRecipients() {
        return mail.getRecipients();
    }

    @Override
    public void setRecipients(Collection<MailAddress> recipients) {
        mail.setRecipients(recipients);
    }

    @Override
    public String getState() {
        return mail.getState();
    }

    @Override
    public void setState(String state) {
        mail.setState(state);
    }

    @Override
    public String getRemoteHost() {
        return mail.getRemoteHost();
    }

    @Override
    public String getRemoteAddr() {
        return mail.getRemoteAddr();
    }

    @Override
    public String getErrorMessage() {
        return mail.getErrorMessage();
    }

    @Override
    public void setErrorMessage(String message) {
        mail.setErrorMessage(message);
    }

    @Override
    public Stream<Attribute> attributes() {
        return mail.attributes();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable getAttribute(String name) {
        return mail.getAttribute(name);
    }

    @Override
    public Optional<Attribute> getAttribute(AttributeName name) {
        return mail.getAttribute(name);
    }

    @Override
    @SuppressWarnings("deprecation")
    public Iterator<String> getAttributeNames() {
        return mail.getAttributeNames();
    }

    @Override
    public Stream<AttributeName> attributeNames() {
        return mail.attributeNames();
    }

    @Override
    public boolean hasAttributes() {
        return mail.hasAttributes();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable removeAttribute(String name) {
        return mail.removeAttribute(name);
    }

    @Override
    public Optional<Attribute> removeAttribute(AttributeName name) {
        return mail.removeAttribute(name);
    }

    @Override
    public void removeAllAttributes() {
        mail.removeAllAttributes();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable setAttribute(String name, Serializable value) {
        return mail.setAttribute(name, value);
    }

    @Override
    public Optional<Attribute> setAttribute(Attribute attribute) {
        return mail.setAttribute(attribute);
    }

    @Override
    public void addSpecificHeaderForRecipient(PerRecipientHeaders.Header header, MailAddress recipient) {
        mail.addSpecificHeaderForRecipient(header, recipient);
    }

    @Override
    public PerRecipientHeaders getPerRecipientSpecificHeaders() {
        return mail.getPerRecipientSpecificHeaders();
    }

    @Override
    public long getMessageSize() throws MessagingException {
        return mail.getMessageSize();
    }

    @Override
    public Date getLastUpdated() {
        return mail.getLastUpdated();
    }

    @Override
    public void setLastUpdated(Date lastUpdated) {
        mail.setLastUpdated(lastUpdated);
    }

    @Override
    public Map<AttributeName, Attribute> attributesMap() {
        return mail.attributesMap();
    }

    @Override
    public Optional<DsnParameters> dsnParameters() {
        return mail.dsnParameters();
    }

    @Override
    public void setDsnParameters(DsnParameters parameters) {
        mail.setDsnParameters(parameters);
    }

    @Override
    public String toString() {
        return "SenderChangedMail[" + sender.asString() + ", " + mail + "]";
    }
}
