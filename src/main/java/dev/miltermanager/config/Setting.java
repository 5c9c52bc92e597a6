package dev.miltermanager.config;

/** A value set by a line: the typed value ({@code null} = unset by an empty value), its text, and its origin. */
record Setting(Object value, String text, String origin) {
}
