package dev.miltermanager.config;

/**
 * A configuration item as a line set it: the typed value ({@code null} = unset by an empty value), its text as a
 * configuration file writes it, and its origin.
 */
record ItemValue(Object value, String text, String origin) {
}
