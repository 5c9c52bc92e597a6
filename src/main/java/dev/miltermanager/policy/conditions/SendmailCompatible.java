package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Stage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * Sendmail Compatible: for Postfix sessions (the {@code v} macro contains "Postfix"), gives the child the macros a
 * milter written for Sendmail expects and Postfix does not send. At CONNECT: {@code {if_addr}} (the server's address
 * the client connected to) from Postfix's {@code {daemon_addr}}, and {@code {if_name}}, that address's host name by
 * reverse lookup (cached, as the reference). {@code {daemon_port}} is Postfix's own macro of that name (it must be
 * in {@code milter_connect_macros}). At MAIL: {@code i} (queue id), {@code dummy-id} as in the reference, when Postfix
 * has not assigned one yet. A macro the MTA sent is never replaced. Never stops the child.
 */
final class SendmailCompatible implements ApplicabilityPolicy {
    static final int CACHE_SIZE = 100;
    static final String DUMMY_QUEUE_ID = "dummy-id";

    private final UnaryOperator<String> reverseLookup;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, String> names = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    /** @param reverseLookup the host name of an address, or the address itself when it has none */
    SendmailCompatible(UnaryOperator<String> reverseLookup) {
        this.reverseLookup = reverseLookup;
    }

    @Override
    public boolean applies(PolicyContext context) {
        SessionView session = context.session();
        if (!session.macro("v").orElse("").contains("Postfix")) {
            return true;
        }
        if (context.stage() == Stage.CONNECT) {
            Optional<String> daemonAddress = session.macro("daemon_addr").filter(a -> !a.isEmpty());
            if (daemonAddress.isPresent() && missing(session, "if_addr")) {
                context.setMacro("{if_addr}", daemonAddress.get());
            }
            if (daemonAddress.isPresent() && missing(session, "if_name")) {
                context.setMacro("{if_name}", nameOf(daemonAddress.get()));
            }
        } else if (context.stage() == Stage.MAIL && missing(session, "i")) {
            context.setMacro("i", DUMMY_QUEUE_ID);
        }
        return true;
    }

    private static boolean missing(SessionView session, String macro) {
        return session.macro(macro).filter(v -> !v.isEmpty()).isEmpty();
    }

    private String nameOf(String address) {
        lock.lock();
        try {
            String cached = names.get(address);
            if (cached != null) {
                return cached;
            }
        } finally {
            lock.unlock();
        }
        String name = reverseLookup.apply(address);
        lock.lock();
        try {
            names.put(address, name);
        } finally {
            lock.unlock();
        }
        return name;
    }
}
