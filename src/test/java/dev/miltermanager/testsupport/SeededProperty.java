package dev.miltermanager.testsupport;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a property over many seeded cases. Each case gets its own seed, fresh on every run; a failure names it, and
 * {@code bin/build test -Dtest=Class#method -Dproperty.seed=<hex seed>} replays exactly that case.
 * {@code -Dproperty.cases=<n>} runs more (or fewer) cases.
 */
public final class SeededProperty {
    private static final String SEED_PROPERTY = "property.seed";
    private static final String CASES_PROPERTY = "property.cases";

    private SeededProperty() {
    }

    /** Runs {@code body} for {@code cases} random cases (or the one replayed case). */
    public static void check(int cases, Consumer<SplittableRandom> body) {
        String replay = System.getProperty(SEED_PROPERTY);
        if (replay != null) {
            run(Long.parseUnsignedLong(replay.strip().replaceFirst("^0[xX]", ""), 16), body);
            return;
        }
        SplittableRandom seeds = new SplittableRandom();
        int count = Integer.getInteger(CASES_PROPERTY, cases);
        for (int i = 0; i < count; i++) {
            run(seeds.nextLong(), body);
        }
    }

    private static void run(long seed, Consumer<SplittableRandom> body) {
        try {
            body.accept(new SplittableRandom(seed));
        } catch (Throwable failure) {
            String hex = String.format("0x%016x", seed);
            System.err.println("property failed for seed " + hex);
            throw new AssertionError("property failed for seed " + hex + " (replay with -D" + SEED_PROPERTY + "="
                    + hex + "): " + failure, failure);
        }
    }
}
