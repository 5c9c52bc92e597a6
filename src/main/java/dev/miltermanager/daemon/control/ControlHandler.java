package dev.miltermanager.daemon.control;

/**
 * What the daemon does for the control commands the {@link ControlServer} cannot answer alone. Called on the control
 * server's thread, one command at a time; {@code status} needs no handler (the server reads the manager).
 */
public interface ControlHandler {

    /**
     * {@code reload}: reads the configuration again and applies it to new sessions. A configuration with errors must
     * leave the running one in place and return {@link ControlReply#error} listing them.
     */
    ControlReply reload();

    /** {@code get-configuration}: the effective configuration as text (what {@code --show-config} prints). */
    String configuration();

    /**
     * {@code stop}: starts a graceful shutdown and returns at once (the reply is sent before the daemon stops
     * listening).
     */
    void stop();
}
