package dev.miltermanager.client;

import dev.miltermanager.protocol.Response;
import java.util.List;
import java.util.Objects;

/**
 * What a milter answered to end of message: its modifications in the order they arrived, and the verdict that ended
 * them. {@link Response.Continue} as the verdict means accept. Immutable.
 *
 * @param modifications every modification, in arrival order (a replaced body comes as several
 *     {@link Response.ReplaceBody} pieces to append)
 * @param decision the final verdict: continue, accept, reject, tempfail, discard, a reply code or shutdown
 * @param progressCount how many progress packets arrived before the verdict
 */
public record EndOfMessageResult(List<Response.Modification> modifications, Response.Decision decision,
        int progressCount) {
    public EndOfMessageResult {
        modifications = List.copyOf(modifications);
        Objects.requireNonNull(decision, "decision");
        if (progressCount < 0) {
            throw new IllegalArgumentException("progressCount must not be negative: " + progressCount);
        }
    }

    /** The modifications of one type, in arrival order. */
    public <T extends Response.Modification> List<T> modifications(Class<T> type) {
        return modifications.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
