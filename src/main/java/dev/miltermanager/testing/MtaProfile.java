package dev.miltermanager.testing;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import java.util.LinkedHashMap;

import java.util.Map;

/**
 * How an MTA behaves toward a milter, so that a test can say "as Postfix would": what it offers at negotiation,
 * which macros it sends at each stage, how strict it is about the answer, where it accepts progress, whether it
 * sends ABORT after every message, and how it counts header indexes (Postfix's hidden {@code Received:}).
 *
 * <p>The facts come from the MTAs' sources (Postfix {@code milter8.c}, {@code cleanup_milter.c}; Sendmail
 * {@code milter.c}); see {@code docs/testing.md} for the table.
 */
public enum MtaProfile {
    /**
     * Postfix 3.x: offers version 6, every action, the nine "don't send" and nine "no reply" flags, SKIP, RCPT_REJ
     * and HDR_LEADSPC; sends only macros that have a value ({@code i} from the first accepted RCPT on); tolerates
     * protocol flags it did not offer; accepts progress while waiting for any reply; sends ABORT after every
     * message; keeps its own {@code Received:} header hidden from milters but counts it for insert indexes.
     */
    POSTFIX(Action.ALL, ProtocolFlag.ALL_NO_EVENTS | ProtocolFlag.ALL_NO_REPLIES | ProtocolFlag.SKIP.bit()
            | ProtocolFlag.RCPT_REJ.bit() | ProtocolFlag.HEADER_LEADING_SPACE.bit(), true, true, true, true),
    /**
     * Sendmail 8.14+: offers version 6, every action and every protocol flag; sends its macro sets at each stage;
     * rejects protocol flags it did not offer (the milter is then not used); accepts progress only at end of
     * message; sends ABORT only for a message that did not end normally; no hidden header.
     */
    SENDMAIL(Action.ALL, ProtocolFlag.ALL, false, false, false, false);

    private final int actions;
    private final int protocol;
    private final boolean toleratesUnofferedFlags;
    private final boolean progressAnywhere;
    private final boolean abortAfterEveryMessage;
    private final boolean hiddenReceived;

    MtaProfile(int actions, int protocol, boolean toleratesUnofferedFlags, boolean progressAnywhere,
            boolean abortAfterEveryMessage, boolean hiddenReceived) {
        this.actions = actions;
        this.protocol = protocol;
        this.toleratesUnofferedFlags = toleratesUnofferedFlags;
        this.progressAnywhere = progressAnywhere;
        this.abortAfterEveryMessage = abortAfterEveryMessage;
        this.hiddenReceived = hiddenReceived;
    }

    /** The MTA's offer at protocol version {@code version}. */
    public Command.Negotiate offer(int version) {
        return new Command.Negotiate(version, actions, protocol);
    }

    /** The actions offered. */
    public int offeredActions() {
        return actions;
    }

    /** The protocol flags offered. */
    public int offeredProtocol() {
        return protocol;
    }

    /** Whether protocol flags in the milter's answer that were not offered are tolerated (Postfix) or fatal. */
    public boolean toleratesUnofferedFlags() {
        return toleratesUnofferedFlags;
    }

    /** Whether progress is accepted while waiting for any reply (Postfix) or only at end of message (Sendmail). */
    public boolean acceptsProgressAnywhere() {
        return progressAnywhere;
    }

    /** Whether ABORT follows every message, also one that ended normally (Postfix). */
    public boolean abortsAfterEveryMessage() {
        return abortAfterEveryMessage;
    }

    /**
     * Whether the MTA puts a {@code Received:} header of its own on top that milters never receive but that counts
     * for insert indexes (Postfix).
     */
    public boolean hidesReceivedHeader() {
        return hiddenReceived;
    }

    /**
     * The macros this MTA sends for {@code stage}, from the facts of the session. Postfix sends only macros that
     * have a value; Sendmail sends its whole set.
     */
    public Map<String, String> defaultMacros(MacroStage stage, SessionFacts facts) {
        Map<String, String> m = new LinkedHashMap<>();
        switch (this) {
            case POSTFIX -> {
                switch (stage) {
                    case CONNECT -> {
                        m.put("j", facts.mtaHostName());
                        m.put("{daemon_name}", facts.daemonName());
                        m.put("{daemon_addr}", facts.interfaceAddress());
                        m.put("v", "Postfix 3.7.11");
                        m.put("_", facts.clientHost() + " [" + facts.clientAddress() + "]");
                    }
                    case HELO -> { }
                    case ENVFROM -> {
                        putIfSet(m, "{auth_type}", facts.authType());
                        putIfSet(m, "{auth_authen}", facts.authName());
                        putIfSet(m, "{auth_author}", facts.authAuthor());
                        m.put("{mail_addr}", facts.senderAddress());
                        m.put("{mail_host}", domainOf(facts.senderAddress()));
                        m.put("{mail_mailer}", "smtp");
                    }
                    case ENVRCPT -> {
                        if (facts.queueIdKnown()) {
                            m.put("i", facts.queueId());
                        }
                        m.put("{rcpt_addr}", facts.recipientAddress());
                        m.put("{rcpt_host}", domainOf(facts.recipientAddress()));
                        m.put("{rcpt_mailer}", "smtp");
                    }
                    case DATA, EOH, EOM -> m.put("i", facts.queueId());
                }
            }
            case SENDMAIL -> {
                switch (stage) {
                    case CONNECT -> {
                        m.put("j", facts.mtaHostName());
                        m.put("_", facts.clientHost() + " [" + facts.clientAddress() + "]");
                        m.put("{daemon_name}", facts.daemonName());
                        m.put("{if_name}", "localhost");
                        m.put("{if_addr}", facts.interfaceAddress());
                    }
                    case HELO -> {
                        m.put("{tls_version}", "");
                        m.put("{cipher}", "");
                        m.put("{cipher_bits}", "");
                        m.put("{cert_subject}", "");
                        m.put("{cert_issuer}", "");
                    }
                    case ENVFROM -> {
                        m.put("i", facts.queueId());
                        putIfSet(m, "{auth_type}", facts.authType());
                        putIfSet(m, "{auth_authen}", facts.authName());
                        m.put("{auth_ssf}", "");
                        putIfSet(m, "{auth_author}", facts.authAuthor());
                        m.put("{mail_mailer}", "esmtp");
                        m.put("{mail_host}", domainOf(facts.senderAddress()));
                        m.put("{mail_addr}", facts.senderAddress());
                    }
                    case ENVRCPT -> {
                        m.put("{rcpt_mailer}", "esmtp");
                        m.put("{rcpt_host}", domainOf(facts.recipientAddress()));
                        m.put("{rcpt_addr}", facts.recipientAddress());
                    }
                    case DATA, EOH -> { }
                    case EOM -> m.put("{msg_id}", "<" + facts.queueId() + "@" + facts.mtaHostName() + ">");
                }
            }
        }
        return m;
    }

    private static void putIfSet(Map<String, String> macros, String name, String value) {
        if (value != null && !value.isEmpty()) {
            macros.put(name, value);
        }
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }

    /** The name used on the command line: {@code postfix} or {@code sendmail}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The profile called {@code name} ({@code postfix} or {@code sendmail}, case ignored). */
    public static MtaProfile parse(String name) {
        for (MtaProfile profile : values()) {
            if (profile.configName().equalsIgnoreCase(name.trim())) {
                return profile;
            }
        }
        throw new IllegalArgumentException("unknown MTA profile '" + name + "' (expected postfix or sendmail)");
    }

    /**
     * What the macros are made of at one point of a session. Addresses are without angle brackets.
     *
     * @param mtaHostName {@code j}
     * @param daemonName {@code {daemon_name}}
     * @param interfaceAddress the MTA's own address ({@code {daemon_addr}}, {@code {if_addr}})
     * @param clientHost the SMTP client's host name
     * @param clientAddress the SMTP client's address
     * @param queueId {@code i}
     * @param queueIdKnown whether Postfix knows the queue id yet (after the first accepted recipient)
     * @param senderAddress the envelope sender
     * @param recipientAddress the recipient of the RCPT at hand, or empty
     * @param authType {@code {auth_type}}, or null
     * @param authName {@code {auth_authen}}, or null
     * @param authAuthor {@code {auth_author}}, or null
     */
    public record SessionFacts(String mtaHostName, String daemonName, String interfaceAddress, String clientHost,
            String clientAddress, String queueId, boolean queueIdKnown, String senderAddress,
            String recipientAddress, String authType, String authName, String authAuthor) {
    }

}
