package dev.miltermanager.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The operating system families whose service layouts {@link MilterDetector} knows. The name is what the
 * reference's {@code package.platform} item says ({@code debian}, {@code redhat}, {@code freebsd}).
 */
public enum Platform {
    /** Debian and Ubuntu: systemd units in {@code /lib/systemd/system}, else {@code /etc/init.d} and {@code /etc/default}. */
    DEBIAN,
    /** Red Hat, CentOS, Fedora, AlmaLinux, Rocky: systemd units in {@code /usr/lib/systemd/system}, else {@code /etc/sysconfig}. */
    REDHAT,
    /** FreeBSD: rc scripts in {@code /usr/local/etc/rc.d}, settings in {@code /etc/rc.conf} and its companions. */
    FREEBSD,
    /** Anything else: nothing is detected. */
    NONE;

    /**
     * Guesses the platform of the system below {@code root} from the files that mark it: {@code etc/debian_version},
     * {@code etc/redhat-release} (or {@code etc/fedora-release}), {@code bin/freebsd-version} or
     * {@code etc/rc.conf}; {@link #NONE} when none is there.
     */
    public static Platform guess(Path root) {
        if (Files.exists(root.resolve("etc/debian_version"))) {
            return DEBIAN;
        }
        if (Files.exists(root.resolve("etc/redhat-release")) || Files.exists(root.resolve("etc/fedora-release"))) {
            return REDHAT;
        }
        if (Files.exists(root.resolve("bin/freebsd-version")) || Files.exists(root.resolve("etc/rc.conf"))) {
            return FREEBSD;
        }
        return NONE;
    }

    /** The reference's spelling of {@code package.platform}: {@code debian}, {@code redhat}, {@code freebsd}, {@code none}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
