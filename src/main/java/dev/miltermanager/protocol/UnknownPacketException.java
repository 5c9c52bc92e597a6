package dev.miltermanager.protocol;

/** A packet whose code is not one of the family being read (an unknown command, or an unknown response). */
public final class UnknownPacketException extends MilterProtocolException {
    private static final long serialVersionUID = 1L;
    private final char code;

    public UnknownPacketException(char code, String family) {
        super("unknown " + family + " code " + Packet.describeCode(code));
        this.code = code;
    }

    /** The code that was received. */
    public char code() {
        return code;
    }
}
