/**
 * The daemon: the bundled main class that runs a {@link dev.miltermanager.manager.MilterManager} from the command
 * line, with logging set up and a graceful shutdown on SIGTERM/SIGINT.
 */
package dev.miltermanager.daemon;
