package dev.miltermanager.james;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Status;
import jakarta.mail.MessagingException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;

/**
 * Turns the milters' verdict on a mail into James terms (see {@code docs/james.md}): processors for reject and
 * quarantine, a delayed resend for a temporary failure, ghost for discard, the edits applied to the mail, a new
 * mail for a changed sender, and attributes saying what happened. Not thread-safe: one mail.
 */
final class MailOutcome {
    private static final System.Logger LOG = System.getLogger(MailOutcome.class.getName());

    private final MailetSettings settings;
    private final MailetContext context;
    private final Attributes attributes;

    MailOutcome(MailetSettings settings, MailetContext context) {
        this.settings = settings;
        this.context = context;
        this.attributes = new Attributes(settings.attributePrefix());
    }

    /** The attribute names the mailet sets, under one prefix. */
    record Attributes(String prefix) {
        AttributeName status() {
            return name("status");
        }

        AttributeName reply() {
            return name("reply");
        }

        AttributeName quarantineReason() {
            return name("quarantine-reason");
        }

        AttributeName failure() {
            return name("failure");
        }

        AttributeName modified() {
            return name("modified");
        }

        AttributeName retries() {
            return name("retries");
        }

        AttributeName originalSender() {
            return name("original-sender");
        }

        /** Set on a mail the mailet sent itself after a change of sender: it has been through the milters. */
        AttributeName done() {
            return name("done");
        }

        private AttributeName name(String suffix) {
            return AttributeName.of(prefix + "." + suffix);
        }
    }

    /** The status attribute's value for a quarantined mail. */
    static final String QUARANTINE = "quarantine";

    void apply(Mail mail, MilterVerdict verdict) throws MessagingException {
        // a retried mail carries the last attempt's outcome: this attempt's replaces it (the retry count stays)
        List.of(attributes.status(), attributes.reply(), attributes.failure(), attributes.quarantineReason(),
                attributes.modified()).forEach(mail::removeAttribute);
        verdict.failure().ifPresent(why -> set(mail, attributes.failure(), why));
        if (splitRefused(mail, verdict.refused())) {
            return; // every recipient was refused: the mail itself went where they go
        }
        String reply = verdict.reply().orElse(MilterVerdict.defaultReply(verdict.status()));
        switch (verdict.status()) {
            case REJECT -> reject(mail, reply);
            case TEMPORARY_FAILURE -> retry(mail, reply, true);
            case DISCARD -> {
                set(mail, attributes.status(), Status.DISCARD.configName());
                mail.setState(Mail.GHOST);
            }
            default -> accept(mail, verdict);
        }
    }

    // ---- recipients refused at RCPT ----

    /**
     * Routes the refused recipients, grouped by status and reply, each group in a mail of its own (a duplicate)
     * and removed from this one. Returns whether no recipient is left, the last group having taken the mail itself.
     */
    private boolean splitRefused(Mail mail, List<MilterVerdict.Refusal> refused) throws MessagingException {
        Map<String, List<MilterVerdict.Refusal>> groups = new LinkedHashMap<>();
        for (MilterVerdict.Refusal r : refused) {
            groups.computeIfAbsent(r.status() + "\0" + r.reply(), k -> new ArrayList<>()).add(r);
        }
        for (List<MilterVerdict.Refusal> group : groups.values()) {
            List<MailAddress> remaining = new ArrayList<>(mail.getRecipients());
            List<MailAddress> these = new ArrayList<>();
            for (MilterVerdict.Refusal r : group) {
                remaining.stream().filter(a -> a.asString().equals(r.recipient())).findFirst().ifPresent(a -> {
                    remaining.remove(a);
                    these.add(a);
                });
            }
            MilterVerdict.Refusal first = group.getFirst();
            LOG.log(Level.INFO, () -> "[james] " + mail.getName() + ": recipient(s) " + these + " refused at RCPT: "
                    + first.reply());
            boolean last = remaining.isEmpty();
            Mail routed = last ? mail : mail.duplicate();
            routed.setRecipients(these);
            if (first.status() == Status.REJECT) {
                reject(routed, first.reply());
                if (!last) {
                    context.sendMail(routed, settings.rejectProcessor());
                }
            } else {
                retry(routed, first.reply(), last);
            }
            if (last) {
                return true;
            }
            mail.setRecipients(remaining);
        }
        return false;
    }

    // ---- final statuses ----

    /** Sets the mail's state to the reject processor (the caller sends a duplicate there itself). */
    private void reject(Mail mail, String reply) {
        set(mail, attributes.status(), Status.REJECT.configName());
        set(mail, attributes.reply(), reply);
        mail.setErrorMessage(reply);
        mail.setState(settings.rejectProcessor());
    }

    /**
     * A temporary failure: the mail is processed again after the retry delay (sent to the spool with a delay, as
     * James's own requeueing does); after {@code maxRetries} it counts as rejected.
     *
     * @param original whether {@code mail} is the one being serviced (then a duplicate is resent and it is
     *     ghosted), or a duplicate of our own (then it is resent itself)
     */
    private void retry(Mail mail, String reply, boolean original) throws MessagingException {
        int retries = mail.getAttribute(attributes.retries()).flatMap(a -> a.getValue().valueAs(Integer.class))
                .orElse(0);
        if (retries >= settings.maxRetries()) {
            String gaveUp = reply + " (still failing after " + retries + " retries)";
            reject(mail, gaveUp);
            if (!original) {
                context.sendMail(mail, settings.rejectProcessor());
            }
            return;
        }
        set(mail, attributes.status(), Status.TEMPORARY_FAILURE.configName());
        set(mail, attributes.reply(), reply);
        mail.setAttribute(new Attribute(attributes.retries(), AttributeValue.of(retries + 1)));
        Mail resent = original ? mail.duplicate() : mail;
        String processor = settings.retryProcessor().orElse(state(mail));
        context.sendMail(resent, processor, settings.retryDelay().toMillis(), TimeUnit.MILLISECONDS);
        if (original) {
            mail.setState(Mail.GHOST);
        }
    }

    // ---- accepted: the edits ----

    private void accept(Mail mail, MilterVerdict verdict) throws MessagingException {
        Optional<String> quarantine = verdict.quarantine();
        boolean modified = MailEdits.applyToMessage(mail, verdict);
        modified |= MailEdits.applyToRecipients(mail, verdict.edits());
        set(mail, attributes.status(), quarantine.isPresent() ? QUARANTINE : Status.ACCEPT.configName());
        quarantine.ifPresent(reason -> set(mail, attributes.quarantineReason(), reason));
        if (modified) {
            mail.setAttribute(new Attribute(attributes.modified(), AttributeValue.of(true)));
        }
        if (mail.getRecipients().isEmpty()) {
            LOG.log(Level.INFO, () -> "[james] " + mail.getName() + ": the milters deleted every recipient");
            mail.setState(Mail.GHOST);
            return;
        }
        Optional<Response.ChangeFrom> changeFrom = verdict.edits().stream()
                .filter(Response.ChangeFrom.class::isInstance).map(Response.ChangeFrom.class::cast)
                .reduce((first, last) -> last);
        String target = quarantine.isPresent() ? settings.quarantineProcessor() : null;
        if (changeFrom.isPresent()) {
            MaybeSender sender = MailEdits.sender(changeFrom.get().sender());
            if (sender != null) {
                Mail renamed = new SenderChangedMail(mail.duplicate(), sender);
                set(renamed, attributes.originalSender(), mail.getMaybeSender().asString(""));
                if (target == null) { // back to where the milters run: they must not run again
                    renamed.setAttribute(new Attribute(attributes.done(), AttributeValue.of(true)));
                }
                context.sendMail(renamed, target != null ? target
                        : settings.senderChangedProcessor().orElse(state(mail)));
                mail.setState(Mail.GHOST);
                return;
            }
        }
        if (target != null) {
            mail.setState(target);
        }
    }

    private static String state(Mail mail) {
        return mail.getState() == null ? Mail.DEFAULT : mail.getState();
    }

    private static void set(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }
}
