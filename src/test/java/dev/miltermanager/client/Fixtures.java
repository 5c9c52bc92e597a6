package dev.miltermanager.client;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import java.time.Duration;
import java.util.HexFormat;

/** Values shared by the client tests. */
final class Fixtures {
    /** What Postfix 3.x offers: version 6, every action, every protocol flag. */
    static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    /** A v6 milter that wants every event, answers each, and may use every modification. */
    static final Response.Negotiate EVERYTHING = new Response.Negotiate(6, Action.MODIFICATIONS, 0);
    /** Timeouts long enough never to fire in a passing test, short enough to end a broken one. */
    static final ClientOptions OPTIONS = ClientOptions.builder().allTimeouts(Duration.ofSeconds(5)).build();
    static final HexFormat HEX = HexFormat.ofDelimiter(":");

    static final Response.Continue CONTINUE = new Response.Continue();

    private Fixtures() {
    }

    /** Bytes from hex such as {@code "00:00:00:01:41"}; a space separates like a colon. */
    static byte[] hex(String hex) {
        return HEX.parseHex(hex.trim().replaceAll("\\s+", ":"));
    }

    /** A negotiation reply asking for these protocol flags, every action. */
    static Response.Negotiate protocol(ProtocolFlag... flags) {
        int bits = 0;
        for (ProtocolFlag f : flags) {
            bits |= f.bit();
        }
        return new Response.Negotiate(6, Action.MODIFICATIONS, bits);
    }
}
