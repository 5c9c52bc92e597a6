package dev.miltermanager.protocol;

/**
 * How much data one packet may carry, in bytes of data (the code byte not counted).
 *
 * <p>MTAs send at most {@value #DEFAULT_MTA_DATA_BYTES} bytes per packet unless a larger size was negotiated
 * ({@link ProtocolFlag#MDS_256K}, {@link ProtocolFlag#MDS_1M}); libmilter refuses more. Milters may send large
 * packets (Postfix reads up to 1 GiB), so replies are read up to a configurable cap,
 * {@value #DEFAULT_MILTER_DATA_BYTES} bytes by default.
 */
public final class PacketLimits {
    /** The protocol's default data limit for packets from the MTA (MILTER_MAX_DATA_SIZE). */
    public static final int DEFAULT_MTA_DATA_BYTES = 65535;
    /** Data limit after negotiating {@link ProtocolFlag#MDS_256K}. */
    public static final int MDS_256K_DATA_BYTES = 256 * 1024 - 1;
    /** Data limit after negotiating {@link ProtocolFlag#MDS_1M}. */
    public static final int MDS_1M_DATA_BYTES = 1024 * 1024 - 1;
    /** The default cap on data in one packet from a milter. */
    public static final int DEFAULT_MILTER_DATA_BYTES = 1024 * 1024;
    /** The largest body chunk an MTA sends, and the largest we send (MILTER_CHUNK_SIZE). */
    public static final int CHUNK_BYTES = 65535;

    private PacketLimits() {
    }

    /** The data limit for packets from the MTA given the negotiated protocol flags. */
    public static int mtaDataBytes(int negotiatedProtocol) {
        if ((negotiatedProtocol & ProtocolFlag.MDS_1M.bit()) != 0) {
            return MDS_1M_DATA_BYTES;
        }
        if ((negotiatedProtocol & ProtocolFlag.MDS_256K.bit()) != 0) {
            return MDS_256K_DATA_BYTES;
        }
        return DEFAULT_MTA_DATA_BYTES;
    }
}
