/**
 * The daemon's configuration: the {@code milter-manager.conf} model and parser, and the detection of the child
 * milters installed on the machine ({@link dev.miltermanager.config.MilterDetector}).
 */
package dev.miltermanager.config;
