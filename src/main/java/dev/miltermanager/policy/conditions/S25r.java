package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import java.util.List;

/**
 * S25R (Selective SMTP Rejection): at CONNECT, applies the child only to clients whose host name looks like a
 * dynamically addressed end-user machine. A white-listed host is never suspicious (white wins); otherwise a host
 * matching a black-list rule is. By default only IPv4 clients are judged; others are not applied to. Acts at
 * CONNECT only (stopping there drops the child for the connection); applies at every other event.
 */
final class S25r implements ApplicabilityPolicy {

    /** The reference's default white list: big senders whose outgoing hosts trip the rules. */
    static final List<String> DEFAULT_WHITELIST = List.of(
            "/\\.google\\.com\\z/",
            "/\\.obsmtp\\.com\\z/",
            "/\\.smtp-out\\.amazonses\\.com\\z/",
            "/\\.slack\\.com\\z/",
            "/\\.mg\\.gitlab\\.com\\z/",
            "/\\.sendgrid\\.net\\z/");

    /**
     * The S25R rules, as the reference spells them: no reverse name ({@code unknown}, {@code [ADDR]}), then the five
     * shapes of generic host names, then the dial-up prefixes.
     */
    static final List<String> RULES = List.of(
            "unknown",
            "/\\A\\[.+\\]\\z/",
            "/\\A[^.]*\\d[^\\d.]+\\d.*\\./",
            "/\\A[^.]*\\d{5}/",
            "/\\A(?:[^.]+\\.)?\\d[^.]*\\.[^.]+\\..+\\.[a-z]/i",
            "/\\A[^.]*\\d\\.[^.]*\\d-\\d/",
            "/\\A[^.]*\\d\\.[^.]*\\d\\.[^.]+\\..+\\./",
            "/\\A(?:dhcp|dialup|ppp|[achrsvx]?dsl)[^.]*\\d/i");

    private final List<TextPattern> whitelist;
    private final List<TextPattern> blacklist;
    private final boolean checkOnlyIpv4;

    S25r(List<TextPattern> whitelist, List<TextPattern> blacklist, boolean checkOnlyIpv4) {
        this.whitelist = List.copyOf(whitelist);
        this.blacklist = List.copyOf(blacklist);
        this.checkOnlyIpv4 = checkOnlyIpv4;
    }

    @Override
    public boolean applies(PolicyContext context) {
        if (context.stage() != Stage.CONNECT || !(context.event() instanceof Command.Connect connect)) {
            return true;
        }
        if (checkOnlyIpv4 && connect.family() != Command.Family.INET) {
            return false;
        }
        return suspicious(connect.hostname());
    }

    /** Whether {@code host} (the MTA's name of the client, {@code [ADDR]} without one) looks dynamic. */
    boolean suspicious(String host) {
        for (TextPattern white : whitelist) {
            if (white.matches(host)) {
                return false;
            }
        }
        for (TextPattern black : blacklist) {
            if (black.matches(host)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "S25R[white=" + whitelist + ", black=" + blacklist + ", checkOnlyIpv4=" + checkOnlyIpv4 + "]";
    }
}
