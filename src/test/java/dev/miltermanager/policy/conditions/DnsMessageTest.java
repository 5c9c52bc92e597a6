package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The query we send and how answers are read, byte by byte. */
class DnsMessageTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");

    private static byte[] hex(String text) {
        return HEX.parseHex(text.strip().replaceAll("\\s+", ":"));
    }

    @Test
    void aQueryAsksRecursivelyForTheARecord() {
        assertEquals(HEX.formatHex(hex("""
                12:34 01:00 00:01 00:00 00:00 00:00
                01:32 01:30 02:62:6c 04:74:65:73:74 00
                00:01 00:01""")), HEX.formatHex(DnsMessage.query(0x1234, "2.0.bl.test.")));
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.query(1, "a..test"));
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.query(1, "x".repeat(64) + ".test"));
    }

    /** The answer to query 0x1234 for "2.0.bl.test": a CNAME (TTL 300) to "x.bl.test" whose A record has TTL 30. */
    private static final String ANSWER = """
            12:34 81:80 00:01 00:02 00:00 00:00
            01:32 01:30 02:62:6c 04:74:65:73:74 00 00:01 00:01
            c0:0c 00:05 00:01 00:00:01:2c 00:04 01:78 c0:10
            c0:29 00:01 00:01 00:00:00:1e 00:04 7f:00:00:02""";

    @Test
    void anAnswerFollowsCompressedNamesAndTakesTheSmallestTtl() throws Exception {
        byte[] bytes = hex(ANSWER);
        DnsMessage.Answer answer = DnsMessage.parse(bytes, bytes.length, 0x1234, "2.0.BL.test");
        assertEquals(new DnsMessage.Answer(0, List.of(NameServers.literal("127.0.0.2")), 30, false), answer);
    }

    @Test
    void anythingButTheAnswerToOurQuestionIsRefused() {
        byte[] bytes = hex(ANSWER);
        assertThrows(DnsMessage.MalformedAnswerException.class,
                () -> DnsMessage.parse(bytes, bytes.length, 0x1235, "2.0.bl.test"), "another id");
        assertThrows(DnsMessage.MalformedAnswerException.class,
                () -> DnsMessage.parse(bytes, bytes.length, 0x1234, "3.0.bl.test"), "another question");
        for (int cut = 0; cut < bytes.length; cut++) {
            int length = cut;
            assertThrows(DnsMessage.MalformedAnswerException.class,
                    () -> DnsMessage.parse(bytes, length, 0x1234, "2.0.bl.test"), "cut at " + cut);
        }
        byte[] query = DnsMessage.query(0x1234, "2.0.bl.test");
        assertThrows(DnsMessage.MalformedAnswerException.class,
                () -> DnsMessage.parse(query, query.length, 0x1234, "2.0.bl.test"), "a query is no answer");
    }

    @Test
    void aCompressionLoopIsRefused() {
        byte[] bytes = hex("""
                12:34 81:80 00:01 00:01 00:00 00:00
                01:32 01:30 02:62:6c 04:74:65:73:74 00 00:01 00:01
                c0:1d 00:01 00:01 00:00:00:1e 00:04 7f:00:00:02""");
        assertThrows(DnsMessage.MalformedAnswerException.class,
                () -> DnsMessage.parse(bytes, bytes.length, 0x1234, "2.0.bl.test"));
    }

    @Test
    void aNegativeAnswerTakesTheSoaNegativeTtl() throws Exception {
        byte[] bytes = hex("""
                12:34 81:83 00:01 00:00 00:01 00:00
                01:32 01:30 02:62:6c 04:74:65:73:74 00 00:01 00:01
                c0:10 00:06 00:01 00:00:0e:10 00:1d 02:6e:73 c0:10 01:68 c0:10
                00:00:00:01 00:00:1c:20 00:00:03:84 00:09:3a:80 00:00:00:3c""");
        assertEquals(new DnsMessage.Answer(3, List.of(), 60, false),
                DnsMessage.parse(bytes, bytes.length, 0x1234, "2.0.bl.test"));
    }
}
