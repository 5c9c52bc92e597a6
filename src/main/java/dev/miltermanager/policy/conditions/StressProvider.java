package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.policy.InvalidConditionParameterException;
import dev.miltermanager.protocol.Stage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The {@code No Stress} and {@code Stress Notify} conditions. The manager is under stress when it processes at least
 * {@code stress.threshold_n_connections} sessions at once (0: never). Unset, the threshold is 3/4 of Postfix's SMTP
 * server process limit, read from {@code stress.postfix_master_cf} when the configuration is loaded (a given file
 * must be readable), or from {@code /etc/postfix/master.cf} at the first session that asks (without it, 0). At CONNECT, No Stress stops the child under stress and
 * Stress Notify sets {@code {stress}=yes} for it. Found through {@link java.util.ServiceLoader}; Java code calls
 * {@link Conditions#noStress(int)} and {@link Conditions#stressNotify(int)}.
 */
public final class StressProvider implements ConditionProvider {
    private static final System.Logger LOG = System.getLogger(StressProvider.class.getName());
    static final String NO_STRESS = "No Stress";
    static final String STRESS_NOTIFY = "Stress Notify";
    static final Path DEFAULT_MASTER_CF = Path.of("/etc/postfix/master.cf");

    /** For {@link java.util.ServiceLoader}. */
    public StressProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NO_STRESS, STRESS_NOTIFY);
    }

    @Override
    public String parameterPrefix() {
        return "stress";
    }

    @Override
    public String description(String name) {
        return NO_STRESS.equals(name) ? "applies only while the manager is not under stress (too many sessions)"
                : "sets {stress}=yes for the child when the manager is under stress (too many sessions)";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("threshold_n_connections", "postfix_master_cf"));
        Optional<ConditionParameter> masterCf = parameters.last("postfix_master_cf");
        Optional<ConditionParameter> explicit = parameters.last("threshold_n_connections");
        IntSupplier threshold;
        if (explicit.isPresent()) {
            int n = ParameterValues.count(explicit.get(), "a number of sessions, 0 (never under stress) or more");
            threshold = () -> n;
        } else if (masterCf.isPresent()) {
            int n = detect(masterCf);
            threshold = () -> n;
        } else {
            threshold = new Detected();
        }
        return Map.of(NO_STRESS, noStress(threshold), STRESS_NOTIFY, stressNotify(threshold));
    }

    static ApplicabilityPolicy noStress(IntSupplier threshold) {
        return ctx -> ctx.stage() != Stage.CONNECT || !stressed(threshold.getAsInt(), ctx.session().activeSessions());
    }

    static ApplicabilityPolicy stressNotify(IntSupplier threshold) {
        return ctx -> {
            if (ctx.stage() == Stage.CONNECT && stressed(threshold.getAsInt(), ctx.session().activeSessions())) {
                ctx.setMacro("{stress}", "yes");
            }
            return true;
        };
    }

    static boolean stressed(int threshold, int sessions) {
        return threshold > 0 && threshold <= sessions;
    }

    /**
     * The threshold from the default {@code master.cf}, read at the first session that asks (as the reference
     * detects it on first use), so a configuration that names neither condition never reads the file.
     */
    private static final class Detected implements IntSupplier {
        private volatile int threshold = -1;

        @Override
        public int getAsInt() {
            int t = threshold;
            if (t < 0) {
                t = detect(Optional.empty());
                threshold = t;
            }
            return t;
        }
    }

    /** 3/4 of Postfix's process limit; 0 when the file is missing, a given file that cannot be read is an error. */
    private static int detect(Optional<ConditionParameter> given) {
        Path path;
        try {
            path = given.map(p -> Path.of(p.value())).orElse(DEFAULT_MASTER_CF);
        } catch (InvalidPathException e) {
            throw new InvalidConditionParameterException(given.orElseThrow(), "the path of Postfix's master.cf");
        }
        OptionalInt limit;
        try {
            limit = PostfixProcessLimit.read(path);
        } catch (IOException e) {
            if (given.isPresent()) {
                throw new InvalidConditionParameterException(given.get(), "a readable Postfix master.cf (" + e + ")");
            }
            LOG.log(Level.DEBUG, () -> "[stress][threshold] 0 (never under stress): cannot read " + path + ": " + e);
            return 0;
        }
        int threshold = limit.orElse(0) * 3 / 4;
        LOG.log(Level.INFO, () -> "[stress][threshold] " + threshold + " sessions: 3/4 of the smtp process limit "
                + (limit.isPresent() ? limit.getAsInt() : "(no smtp inet service)") + " in " + path);
        return threshold;
    }
}
