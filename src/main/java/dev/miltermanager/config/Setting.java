package dev.miltermanager.config;

/**
 * A value read from a file, with where it was read: {@code /etc/default/opendkim:3}. The path is the system's
 * (as seen below the detection root), so the same fixture gives the same origins wherever it lies.
 */
record Setting(String value, String origin) {
}
