/**
 * The daemon's control interface: {@link dev.miltermanager.daemon.control.ControlServer} answers {@code reload},
 * {@code status}, {@code stop} and {@code get-configuration} on a Unix socket (protected by its permissions) or a
 * loopback TCP port (protected by a token file), and {@link dev.miltermanager.daemon.control.ControlClient} is the
 * {@code milter-manager ctl} command that asks it. The wire protocol is described in {@code docs/operations.md}.
 */
package dev.miltermanager.daemon.control;
