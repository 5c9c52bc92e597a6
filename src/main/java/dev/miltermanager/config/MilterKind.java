package dev.miltermanager.config;

import java.util.List;
import java.util.Map;

/**
 * How a known milter says where it listens, beyond its service settings: the file it reads its own settings from
 * (per platform, and the command-line option that names another one) and whether that file wins over the
 * service's {@code SOCKET} variables. OpenDKIM's and OpenDMARC's Debian scripts pass {@code -p $SOCKET} only when
 * the configuration file has no {@code Socket}, so the file wins there; milter-greylist's scripts pass
 * {@code -p}, which wins over {@code greylist.conf}.
 */
enum MilterKind {
    /** Only the service's settings. */
    GENERIC(List.of(), Map.of(), false),
    /** {@code opendkim.conf}: {@code Socket}. */
    OPENDKIM(List.of("-x"), Map.of(Platform.DEBIAN, "/etc/opendkim.conf", Platform.REDHAT, "/etc/opendkim.conf",
            Platform.FREEBSD, "/usr/local/etc/mail/opendkim.conf"), true),
    /** {@code opendmarc.conf}: {@code Socket}. */
    OPENDMARC(List.of("-c"), Map.of(Platform.DEBIAN, "/etc/opendmarc.conf", Platform.REDHAT, "/etc/opendmarc.conf",
            Platform.FREEBSD, "/usr/local/etc/mail/opendmarc.conf"), true),
    /** {@code clamav-milter.conf}: {@code MilterSocket}, ignored while the {@code Example} line is there. */
    CLAMAV(List.of("-c", "--config-file"), Map.of(Platform.DEBIAN, "/etc/clamav/clamav-milter.conf",
            Platform.REDHAT, "/etc/mail/clamav-milter.conf", Platform.FREEBSD, "/usr/local/etc/clamav-milter.conf"),
            true),
    /** {@code greylist.conf}: {@code socket "PATH"}; its longest {@code tarpit} lengthens the timeouts. */
    GREYLIST(List.of("-f"), Map.of(Platform.DEBIAN, "/etc/milter-greylist/greylist.conf",
            Platform.REDHAT, "/etc/mail/greylist.conf", Platform.FREEBSD, "/usr/local/etc/mail/greylist.conf"),
            false),
    /** rspamd's proxy worker in milter mode, from {@code rspamadm configdump --json}. */
    RSPAMD(List.of(), Map.of(), true);

    private final List<String> configOptions;
    private final Map<Platform, String> configFiles;
    private final boolean configFileWins;

    MilterKind(List<String> configOptions, Map<Platform, String> configFiles, boolean configFileWins) {
        this.configOptions = configOptions;
        this.configFiles = configFiles;
        this.configFileWins = configFileWins;
    }

    /** The options that name another configuration file on the milter's command line ({@code -x FILE}). */
    List<String> configOptions() {
        return configOptions;
    }

    /** The milter's own configuration file on this platform, {@code null} when it has none. */
    String configFile(Platform platform) {
        return configFiles.get(platform);
    }

    boolean configFileWins() {
        return configFileWins;
    }
}
