package dev.miltermanager.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration files of a {@link PostfixInstance}: the {@code main.cf} defaults (each with the reason it is
 * there), the {@code master.cf} service list, and how to write them so Postfix reads them at once. Stateless.
 */
final class PostfixFiles {

    private PostfixFiles() {
    }

    /** The harness's {@code main.cf} settings, before the per-instance paths and the test's own settings. */
    static Map<String, String> defaultSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        // Quiet the backward-compatibility warnings of Postfix 3.x.
        settings.put("compatibility_level", "3.6");
        settings.put("myhostname", "postfix.interop.test");
        settings.put("mydomain", "interop.test");
        settings.put("myorigin", "$myhostname");
        // No local delivery: everything, bounces included, goes to the relay host.
        settings.put("mydestination", "");
        settings.put("local_recipient_maps", "");
        settings.put("relay_domains", "");
        settings.put("alias_maps", "");
        settings.put("alias_database", "");
        settings.put("inet_interfaces", "127.0.0.1");
        settings.put("inet_protocols", "ipv4");
        settings.put("mynetworks", "127.0.0.0/8");
        settings.put("smtpd_relay_restrictions", "permit_mynetworks, reject");
        // No DNS anywhere: the relay host is an address literal, the client's name is not looked up
        // (milters see host "[127.0.0.1]"), and the smtp client uses the native resolver if it ever asks.
        settings.put("smtp_dns_support_level", "disabled");
        settings.put("smtp_host_lookup", "native");
        settings.put("smtpd_peername_lookup", "no");
        // Speed: no tarpitting after many rejects, no inflow throttling, retries within seconds.
        settings.put("smtpd_error_sleep_time", "0");
        settings.put("smtpd_soft_error_limit", "1000");
        settings.put("smtpd_hard_error_limit", "1000");
        settings.put("smtpd_junk_command_limit", "1000");
        settings.put("in_flow_delay", "0");
        settings.put("queue_run_delay", "1s");
        settings.put("minimal_backoff_time", "1s");
        settings.put("maximal_backoff_time", "2s");
        settings.put("smtp_connect_timeout", "5s");
        // No postmaster notices that would show up in the sink as unexpected messages.
        settings.put("notify_classes", "");
        settings.put("biff", "no");
        // Milter defaults made explicit (3.11 changed milter_default_action to shutdown) and short, so a
        // hung child fails a test in seconds instead of minutes. Tests override any of them.
        settings.put("milter_protocol", "6");
        settings.put("milter_default_action", "tempfail");
        settings.put("milter_connect_timeout", "10s");
        settings.put("milter_command_timeout", "10s");
        settings.put("milter_content_timeout", "10s");
        return settings;
    }

    /** {@code main.cf} text, one {@code name = value} line per setting, in order. */
    static String mainCf(Map<String, String> settings) {
        StringBuilder text = new StringBuilder("# written by PostfixInstance for one test\n");
        settings.forEach((name, value) -> text.append(name).append(" = ").append(value).append('\n'));
        return text.toString();
    }

    /**
     * Only the services a relay-to-sink setup uses; nothing chrooted (a chroot jail would need populating), smtpd
     * on the given loopback port only, and {@code postlog} for {@code maillog_file}.
     */
    static String masterCf(int smtpPort) {
        return """
                # service      type  private unpriv chroot wakeup maxproc command
                127.0.0.1:%d   inet  n       -      n      -      -       smtpd
                cleanup        unix  n       -      n      -      0       cleanup
                qmgr           unix  n       -      n      300    1       qmgr
                rewrite        unix  -       -      n      -      -       trivial-rewrite
                bounce         unix  -       -      n      -      0       bounce
                defer          unix  -       -      n      -      0       bounce
                trace          unix  -       -      n      -      0       bounce
                verify         unix  -       -      n      -      1       verify
                flush          unix  n       -      n      1000?  0       flush
                proxymap       unix  -       -      n      -      -       proxymap
                smtp           unix  -       -      n      -      -       smtp
                relay          unix  -       -      n      -      -       smtp
                showq          unix  n       -      n      -      -       showq
                error          unix  -       -      n      -      -       error
                retry          unix  -       -      n      -      -       error
                discard        unix  -       -      n      -      -       discard
                anvil          unix  -       -      n      -      1       anvil
                scache         unix  -       -      n      -      1       scache
                postlog        unix-dgram n  -      n      -      1       postlogd
                """.formatted(smtpPort);
    }

    /**
     * Writes a configuration file dated a minute back. Postfix reads a file whose modification time is within
     * the last second or so only after it has "cooled down" (it re-reads it every 300 ms until it is older),
     * which would add about two seconds to every start of a freshly written instance.
     */
    static void writeSettled(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
