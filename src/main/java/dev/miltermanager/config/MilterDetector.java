package dev.miltermanager.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the milters installed on a machine, as the reference's {@code data/defaults/<platform>.conf} does: for each
 * known milter of the platform, whether its service is installed and enabled, where it listens (from the
 * service's settings or the milter's own configuration file), the reference's preset conditions for it, and the
 * command that starts it. Every file is read below a root directory, so detection runs on fixture trees in tests
 * and on {@code /} in the daemon. Nothing is fatal: a value that cannot be used is a line of
 * {@link DetectionResult#problems()} and the milter is skipped. Stateless and thread-safe.
 *
 * {@snippet :
 * DetectionResult found = MilterDetector.detect(Path.of("/"));
 * found.problems().forEach(System.err::println);
 * for (DetectedMilter m : found.milters()) {
 *     System.out.println(m.name() + " at " + m.connectionSpec() + " (" + m.origin() + ")");
 * }
 * }
 *
 * <p>See {@code docs/detection.md} for the platforms, the files read and the order in which they are consulted.
 */
public final class MilterDetector {

    private MilterDetector() {
    }

    /** Detects below {@code root} with the platform {@link Platform#guess(Path) guessed} from the files there. */
    public static DetectionResult detect(Path root) {
        return detect(root, Platform.guess(root));
    }

    /** Detects below {@code root} as on {@code platform}; {@link Platform#NONE} finds nothing. */
    public static DetectionResult detect(Path root, Platform platform) {
        List<String> problems = new ArrayList<>();
        List<DetectedMilter> milters = new ArrayList<>();
        LinuxServices linux = new LinuxServices(root, platform, problems);
        FreeBsdServices freeBsd = new FreeBsdServices(root, problems);
        for (Candidate candidate : Candidate.of(platform)) {
            List<ServiceProbe> probes = platform == Platform.FREEBSD ? freeBsd.probe(candidate)
                    : linux.probe(candidate).stream().toList();
            for (ServiceProbe probe : probes) {
                probe.toMilter(candidate.conditions(), problems).ifPresent(milters::add);
            }
        }
        return new DetectionResult(milters, problems);
    }
}
