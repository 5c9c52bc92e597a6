package dev.miltermanager.config;

import java.util.List;

/**
 * A milter detection looks for on a platform: its service (script or unit) name, how it says where it listens,
 * and the reference's preset applicable conditions for it.
 */
record Candidate(String service, MilterKind kind, List<String> conditions) {
    private static final List<String> GREYLIST_CONDITIONS = List.of("Sendmail Compatible", "Stress Notify", "Trust",
            "Remote Network", "S25R", "Unauthenticated");
    private static final List<String> CONTENT_FILTER_CONDITIONS = List.of("Remote Network", "Unauthenticated",
            "No Stress");

    /**
     * The candidates of a platform in the reference's order ({@code data/defaults/PLATFORM.conf}), plus OpenDMARC
     * (ours) after OpenDKIM and rspamd at the end.
     */
    static List<Candidate> of(Platform platform) {
        return switch (platform) {
            case DEBIAN -> List.of(
                    new Candidate("milter-greylist", MilterKind.GREYLIST, GREYLIST_CONDITIONS),
                    new Candidate("spfmilter", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("clamav-milter", MilterKind.CLAMAV, List.of()),
                    new Candidate("dkim-filter", MilterKind.GENERIC, List.of()),
                    new Candidate("opendkim", MilterKind.OPENDKIM, List.of()),
                    new Candidate("opendmarc", MilterKind.OPENDMARC, List.of()),
                    new Candidate("spamass-milter", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("amavisd-new-milter", MilterKind.GENERIC, List.of()),
                    new Candidate("rspamd", MilterKind.RSPAMD, CONTENT_FILTER_CONDITIONS));
            case REDHAT -> List.of(
                    new Candidate("milter-greylist", MilterKind.GREYLIST, GREYLIST_CONDITIONS),
                    new Candidate("clamav-milter", MilterKind.CLAMAV, List.of()),
                    new Candidate("enma", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("spamass-milter", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("amavisd", MilterKind.GENERIC, List.of()),
                    new Candidate("opendkim", MilterKind.OPENDKIM, List.of()),
                    new Candidate("opendmarc", MilterKind.OPENDMARC, List.of()),
                    new Candidate("rspamd", MilterKind.RSPAMD, CONTENT_FILTER_CONDITIONS));
            case FREEBSD -> List.of(
                    new Candidate("milter-greylist", MilterKind.GREYLIST, GREYLIST_CONDITIONS),
                    new Candidate("milter-enma", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("milter-sid", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("clamav-milter", MilterKind.CLAMAV, List.of()),
                    new Candidate("milter-dkim", MilterKind.GENERIC, List.of()),
                    new Candidate("milter-opendkim", MilterKind.OPENDKIM, List.of()),
                    new Candidate("opendmarc", MilterKind.OPENDMARC, List.of()),
                    new Candidate("spamass-milter", MilterKind.GENERIC, CONTENT_FILTER_CONDITIONS),
                    new Candidate("amavis-milter", MilterKind.GENERIC, List.of()),
                    new Candidate("rspamd", MilterKind.RSPAMD, CONTENT_FILTER_CONDITIONS));
            case NONE -> List.of();
        };
    }
}
