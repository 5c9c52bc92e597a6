/**
 * The daemon: the bundled main class that runs a {@link dev.miltermanager.manager.MilterManager} from the command
 * line, with logging set up, reload on SIGHUP, a graceful shutdown on SIGTERM/SIGINT, and the control interface
 * of {@link dev.miltermanager.daemon.control}.
 */
package dev.miltermanager.daemon;
