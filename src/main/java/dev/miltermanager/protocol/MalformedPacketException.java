package dev.miltermanager.protocol;

/** A packet whose payload does not have the form its code requires (a missing NUL, a short field, a bad family). */
public final class MalformedPacketException extends MilterProtocolException {
    private static final long serialVersionUID = 1L;

    public MalformedPacketException(String message) {
        super(message);
    }
}
