package dev.miltermanager.protocol;

import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The protocol flags of negotiation ({@code SMFIP_*}). They come in three kinds: "do not send me this event"
 * ({@code NO_*}), "I will not reply to this event" ({@code NR_*}), and extra abilities of the MTA
 * ({@link #SKIP}, {@link #RCPT_REJ}, {@link #HEADER_LEADING_SPACE}, the data sizes).
 */
public enum ProtocolFlag {
    NO_CONNECT(0x1),
    NO_HELO(0x2),
    NO_MAIL(0x4),
    NO_RCPT(0x8),
    NO_BODY(0x10),
    NO_HEADERS(0x20),
    NO_EOH(0x40),
    NR_HEADER(0x80),
    NO_UNKNOWN(0x100),
    NO_DATA(0x200),
    SKIP(0x400),
    RCPT_REJ(0x800),
    NR_CONNECT(0x1000),
    NR_HELO(0x2000),
    NR_MAIL(0x4000),
    NR_RCPT(0x8000),
    NR_DATA(0x10000),
    NR_UNKNOWN(0x20000),
    NR_EOH(0x40000),
    NR_BODY(0x80000),
    HEADER_LEADING_SPACE(0x100000),
    MDS_256K(0x10000000),
    MDS_1M(0x20000000);

    /** Every flag protocol version 6 defines ({@code SMFI_CURR_PROT}), data sizes excluded. */
    public static final int ALL = 0x1FFFFF;
    /** The flags of protocol version 2 ({@code SMFI_V2_PROT}), assumed when a peer sends 0. */
    public static final int V2 = 0x7F;
    /** The flags of protocol version 1. */
    public static final int V1 = 0x3F;
    /** Every "do not send" flag. */
    public static final int ALL_NO_EVENTS = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | 0x200;
    /** Every "no reply" flag. */
    public static final int ALL_NO_REPLIES = 0x80 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000
            | 0x40000 | 0x80000;
    /** The data size flags. */
    public static final int DATA_SIZES = 0x10000000 | 0x20000000;

    private final int bit;

    ProtocolFlag(int bit) {
        this.bit = bit;
    }

    /** The bit on the wire. */
    public int bit() {
        return bit;
    }

    /** Whether {@code bits} contain this flag. */
    public boolean in(int bits) {
        return (bits & bit) != 0;
    }

    /** The bits of a set of flags. */
    public static int bits(Set<ProtocolFlag> flags) {
        int bits = 0;
        for (ProtocolFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }

    /** The known flags in {@code bits}; unknown bits are ignored. */
    public static EnumSet<ProtocolFlag> of(int bits) {
        EnumSet<ProtocolFlag> set = EnumSet.noneOf(ProtocolFlag.class);
        for (ProtocolFlag f : values()) {
            if (f.in(bits)) {
                set.add(f);
            }
        }
        return set;
    }

    /** A readable form such as {@code 0x1001[NO_CONNECT,NR_CONNECT]} for logs and errors. */
    public static String describe(int bits) {
        StringJoiner names = new StringJoiner(",", String.format("0x%x[", bits), "]");
        for (ProtocolFlag f : of(bits)) {
            names.add(f.name());
        }
        return names.toString();
    }
}
