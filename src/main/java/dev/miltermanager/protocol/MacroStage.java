package dev.miltermanager.protocol;

/**
 * The stages a milter may ask macros for in its negotiation reply ({@code SMFIM_*}), with the code of the
 * command the macros arrive with. Note the wire order: end-of-message (5) comes before end-of-headers (6).
 */
public enum MacroStage {
    CONNECT(0, 'C'),
    HELO(1, 'H'),
    ENVFROM(2, 'M'),
    ENVRCPT(3, 'R'),
    DATA(4, 'T'),
    EOM(5, 'E'),
    EOH(6, 'N');

    private final int wireValue;
    private final char commandCode;

    MacroStage(int wireValue, char commandCode) {
        this.wireValue = wireValue;
        this.commandCode = commandCode;
    }

    /** The number on the wire. */
    public int wireValue() {
        return wireValue;
    }

    /** The code of the command whose {@code D} packet carries these macros. */
    public char commandCode() {
        return commandCode;
    }

    /** The stage with the given wire number. */
    public static MacroStage ofWireValue(int value) {
        for (MacroStage s : values()) {
            if (s.wireValue == value) {
                return s;
            }
        }
        throw new MalformedPacketException("unknown macro stage " + Integer.toUnsignedString(value)
                + " (expected 0..6)");
    }

    /** The stage whose macros travel with the command {@code code}, or {@code null} if that command has none. */
    public static MacroStage ofCommandCode(char code) {
        for (MacroStage s : values()) {
            if (s.commandCode == code) {
                return s;
            }
        }
        return null;
    }
}
