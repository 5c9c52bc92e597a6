package dev.miltermanager.james;

import dev.miltermanager.manager.MilterManager;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetException;

/**
 * An Apache James mailet that runs each mail through milters, as an MTA's milter support would at end of DATA:
 * one in-process manager session per mail, with the mail's client address, HELO name, authenticated user, sender,
 * recipients, headers and body (streamed in chunks), and the milters' verdict applied the James way:
 *
 * <ul>
 * <li>accept: the mail goes on, with the milters' header edits (its Message-ID kept), replaced body, added and
 *     deleted recipients;</li>
 * <li>a recipient refused at RCPT: taken off this mail and routed, in a mail of its own, like a refused mail;</li>
 * <li>reject: to the reject processor ({@code rejectProcessor}, e.g. a bounce or a repository), the reply as the
 *     error message;</li>
 * <li>temporary failure: processed again after {@code retryDelay} (a delayed resend to the spool), up to
 *     {@code maxRetries} times, then as reject;</li>
 * <li>discard: ghosted;</li>
 * <li>quarantine: to the quarantine processor, with the reason as an attribute;</li>
 * <li>change of envelope sender: a new mail with the new sender, the original ghosted.</li>
 * </ul>
 *
 * Every outcome is also recorded in attributes ({@code milter.status}, {@code milter.reply}…) for later matchers.
 * A child that is down or slow counts as its fallback status; the whole mail never holds a spool thread longer
 * than {@code mailTimeout}. Configured by init parameters: see {@code docs/james.md}.
 *
 * {@snippet lang=xml :
 * <mailet match="All" class="dev.miltermanager.james.MilterMailet">
 *     <milters>
 *         clamav=unix:/run/clamav/clamav-milter.ctl fallback_status=temporary-failure
 *         opendkim=inet:8891@[127.0.0.1]
 *     </milters>
 *     <rejectProcessor>milter-reject</rejectProcessor>
 * </mailet>
 * }
 *
 * <p>Thread-safe: James calls {@link #service} from several spool threads at once; each mail has its own session.
 */
public final class MilterMailet implements org.apache.mailet.Mailet {
    private static final System.Logger LOG = System.getLogger(MilterMailet.class.getName());

    private MailetConfig config;
    private MailetSettings settings;
    private MilterManager manager;

    /** Created by James from {@code mailetcontainer.xml}; configured in {@link #init}. */
    public MilterMailet() {
    }

    /**
     * Reads the init parameters and prepares the manager (no milter is contacted before the first mail).
     *
     * @throws MailetException naming the parameter, for a bad configuration
     */
    @Override
    public void init(MailetConfig config) throws MessagingException {
        this.config = config;
        try {
            settings = MailetSettings.parse(config.getInitParameterNames(), config::getInitParameter,
                    MilterMailet::localHostname);
        } catch (IllegalArgumentException e) {
            throw new MailetException("MilterMailet " + config.getMailetName() + ": " + e.getMessage());
        }
        manager = MilterManager.create(settings.manager());
        LOG.log(Level.INFO, () -> "[james] " + config.getMailetName() + ": " + settings.manager().children().size()
                + " child milter(s): " + String.join(", ", settings.manager().children().stream()
                .map(c -> c.name() + "=" + c.connectionSpec()).toList()));
    }

    /**
     * Runs the mail through the milters and applies their verdict.
     *
     * @throws MessagingException if the message cannot be read or routed (James then handles the mail as an error)
     */
    @Override
    public void service(Mail mail) throws MessagingException {
        MailOutcome outcome = new MailOutcome(settings, config.getMailetContext());
        MailOutcome.Attributes names = new MailOutcome.Attributes(settings.attributePrefix());
        if (mail.removeAttribute(names.done()).isPresent() || mail.getRecipients().isEmpty()) {
            return; // a mail we sent ourselves after a change of sender has been through the milters already
        }
        outcome.apply(mail, verdict(mail));
    }

    /** The milters' verdict, or the fallback status when the session fails or runs out of time. */
    MilterVerdict verdict(Mail mail) throws MessagingException {
        try (SessionDriver session = new SessionDriver(manager, settings.mailTimeout())) {
            return new MailConversation(session, settings.manager().chunkSize(), settings.hostname()).run(mail);
        } catch (IOException e) {
            throw new MailetException("cannot read the message of " + mail.getName() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> "[james] " + mail.getName() + ": the milter session failed ("
                    + e.getMessage() + "); applying the fallback status "
                    + settings.manager().fallbackStatus().configName(), e);
            return MilterVerdict.failure(settings.manager().fallbackStatus(), String.valueOf(e.getMessage()));
        }
    }

    /** Closes the manager: the children's connections of sessions still open are closed. */
    @Override
    public void destroy() {
        if (manager != null) {
            manager.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "milter-manager: runs mail through milters (dev.miltermanager.james.MilterMailet)";
    }

    @Override
    public String getName() {
        return config == null ? "MilterMailet" : config.getMailetName();
    }

    /** The mailet's configuration (as James's GenericMailet offers it). */
    public MailetConfig getMailetConfig() {
        return config;
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
