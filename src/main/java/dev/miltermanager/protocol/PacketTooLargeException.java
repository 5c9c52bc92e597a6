package dev.miltermanager.protocol;

/**
 * A length prefix announced more data than the reader accepts. Nothing of that size was allocated; the stream
 * is out of step and must be closed.
 */
public final class PacketTooLargeException extends MilterProtocolException {
    private static final long serialVersionUID = 1L;
    private final long announced;
    private final int limit;

    public PacketTooLargeException(long announced, int limit) {
        super("packet announces " + announced + " bytes of data, more than the limit of " + limit + " bytes");
        this.announced = announced;
        this.limit = limit;
    }

    /** The data length the peer announced (the length prefix minus the code byte). */
    public long announced() {
        return announced;
    }

    /** The limit in force, in bytes of data. */
    public int limit() {
        return limit;
    }
}
