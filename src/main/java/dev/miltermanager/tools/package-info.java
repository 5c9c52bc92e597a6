/**
 * The command-line tools, twins of the reference's: {@code milter-test-server} (an MTA driving one milter, built
 * on the test kit's MTA simulator), {@code milter-test-client} (a milter that prints what it receives) and
 * {@code milter-performance-check} (an SMTP load generator). Each has a {@code main} and a {@code bin/} launcher.
 */
package dev.miltermanager.tools;
