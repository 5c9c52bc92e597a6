package dev.miltermanager.transport;

/**
 * A connection spec that is not one of the accepted spellings. The message quotes the whole spec, says what is
 * wrong with it and which spellings would fit, e.g.
 * {@code invalid connection spec "inet:port@localhost": the port "port" is not a number from 0 to 65535;
 * expected inet:PORT, inet:PORT@HOST or inet:PORT@[IPV4-ADDRESS]}.
 */
public final class InvalidConnectionSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String spec;
    private final String reason;

    InvalidConnectionSpecException(String spec, String reason, String expected) {
        super("invalid connection spec \"" + spec + "\": " + reason + "; expected " + expected);
        this.spec = spec;
        this.reason = reason;
    }

    /** The spec as it was given. */
    public String spec() {
        return spec;
    }

    /** What is wrong with it, without the quoted spec and the list of accepted spellings. */
    public String reason() {
        return reason;
    }
}
