package dev.miltermanager.client;

/**
 * The milter closed the connection (end of stream) while the client was waiting for a reply, possibly in the middle
 * of a packet.
 */
public final class MilterClosedByPeerException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    MilterClosedByPeerException(String milter, Phase phase, String what) {
        super(milter, phase, what, null);
    }
}
