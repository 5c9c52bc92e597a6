package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.ProtocolFlag;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of option negotiation on one MTA connection: what the MTA offered and what was agreed. Offers of 0
 * are shown as the protocol's version-1 defaults that they stand for.
 *
 * <p>{@code protocol} holds the flags sent to the MTA. A no-reply flag the MTA did not offer is not in it, yet the
 * milter still never answers that event (a CONTINUE is sent on its behalf).
 *
 * <p>Immutable and thread-safe.
 *
 * @param mtaVersion the MTA's protocol version
 * @param mtaActions the actions the MTA offered
 * @param mtaProtocol the protocol flags the MTA offered
 * @param version the version agreed
 * @param actions the actions agreed
 * @param protocol the protocol flags agreed
 * @param macros the macro lists sent to the MTA
 */
public record NegotiatedOptions(int mtaVersion, int mtaActions, int mtaProtocol, int version, int actions,
        int protocol, Map<MacroStage, List<String>> macros) {

    public NegotiatedOptions {
        EnumMap<MacroStage, List<String>> copy = new EnumMap<>(MacroStage.class);
        macros.forEach((stage, names) -> copy.put(stage, List.copyOf(names)));
        macros = Collections.unmodifiableMap(copy);
    }

    /** Whether the action was agreed. */
    public boolean has(Action action) {
        return action.in(actions);
    }

    /** Whether the flag was agreed with the MTA. */
    public boolean has(ProtocolFlag flag) {
        return flag.in(protocol);
    }

    /** The largest data part of a packet the MTA may send on this connection, in bytes. */
    public int maxDataBytes() {
        return PacketLimits.mtaDataBytes(protocol);
    }

    @Override
    public String toString() {
        return "NegotiatedOptions[version=" + version + " (MTA " + mtaVersion + "), actions="
                + Action.describe(actions) + ", protocol=" + ProtocolFlag.describe(protocol) + ", macros=" + macros
                + "]";
    }
}
