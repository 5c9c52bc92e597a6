package dev.miltermanager.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The data limit for packets from the MTA follows the negotiated MDS flags (protocol reference §1.5, §1.7). */
class PacketLimitsTest {

    @Test
    void withoutDataSizeFlagsTheLimitIsMilterMaxDataSize() {
        assertEquals(65535, PacketLimits.mtaDataBytes(0));
    }

    @Test
    void otherProtocolFlagsDoNotChangeTheLimit() {
        assertEquals(65535, PacketLimits.mtaDataBytes(ProtocolFlag.ALL));
    }

    @Test
    void mds256kRaisesTheLimitTo256KibMinusOne() {
        assertEquals(256 * 1024 - 1, PacketLimits.mtaDataBytes(ProtocolFlag.MDS_256K.bit()));
    }

    @Test
    void mds1mRaisesTheLimitTo1MibMinusOne() {
        assertEquals(1024 * 1024 - 1, PacketLimits.mtaDataBytes(ProtocolFlag.MDS_1M.bit()));
    }

    @Test
    void bothDataSizeFlagsGiveTheLargerLimit() {
        assertEquals(1024 * 1024 - 1, PacketLimits.mtaDataBytes(ProtocolFlag.DATA_SIZES));
    }

    @Test
    void dataSizeFlagsSitInsideSmfiInternal() {
        assertEquals(0x10000000, ProtocolFlag.MDS_256K.bit());
        assertEquals(0x20000000, ProtocolFlag.MDS_1M.bit());
        assertEquals(0, ProtocolFlag.DATA_SIZES & ~0x70000000);
    }

    @Test
    void bodyChunksAreMilterChunkSize() {
        assertEquals(65535, PacketLimits.CHUNK_BYTES);
        assertEquals(PacketLimits.DEFAULT_MTA_DATA_BYTES, PacketLimits.CHUNK_BYTES);
    }
}
