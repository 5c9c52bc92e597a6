package dev.miltermanager.protocol;

import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The modification actions a milter asks for in negotiation ({@code SMFIF_*}). The MTA offers a set and the
 * milter requests a subset; a milter may only send the modifications it requested.
 */
public enum Action {
    ADD_HEADERS(0x01),
    CHANGE_BODY(0x02),
    ADD_RECIPIENTS(0x04),
    DELETE_RECIPIENTS(0x08),
    CHANGE_HEADERS(0x10),
    QUARANTINE(0x20),
    CHANGE_FROM(0x40),
    ADD_RECIPIENTS_WITH_ARGS(0x80),
    SET_MACRO_LIST(0x100);

    /** Every action protocol version 6 defines ({@code SMFI_CURR_ACTS}). */
    public static final int ALL = 0x1FF;
    /** The actions of protocol version 2 ({@code SMFI_V2_ACTS}), assumed when a peer sends 0. */
    public static final int V2 = 0x3F;
    /** The actions of protocol version 1 ({@code SMFI_V1_ACTS}). */
    public static final int V1 = 0x0F;
    /** The actions that change the message or its envelope (all but {@link #SET_MACRO_LIST}). */
    public static final int MODIFICATIONS = ALL & ~0x100;

    private final int bit;

    Action(int bit) {
        this.bit = bit;
    }

    /** The bit on the wire. */
    public int bit() {
        return bit;
    }

    /** Whether {@code bits} contain this action. */
    public boolean in(int bits) {
        return (bits & bit) != 0;
    }

    /** The bits of a set of actions. */
    public static int bits(Set<Action> actions) {
        int bits = 0;
        for (Action a : actions) {
            bits |= a.bit;
        }
        return bits;
    }

    /** The known actions in {@code bits}; unknown bits are ignored. */
    public static EnumSet<Action> of(int bits) {
        EnumSet<Action> set = EnumSet.noneOf(Action.class);
        for (Action a : values()) {
            if (a.in(bits)) {
                set.add(a);
            }
        }
        return set;
    }

    /** A readable form such as {@code 0x11[ADD_HEADERS,CHANGE_HEADERS]} for logs and errors. */
    public static String describe(int bits) {
        StringJoiner names = new StringJoiner(",", String.format("0x%x[", bits), "]");
        for (Action a : of(bits)) {
            names.add(a.name());
        }
        return names.toString();
    }
}
