package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Option negotiation on the milter side, following libmilter's rules: an MTA below version 2 is refused; the
 * version is the lower of both; offers of 0 stand for the version-1 defaults; actions the MTA lacks refuse the
 * session; no-reply flags the MTA lacks are faked. Two rules are ours: "do not send" flags the MTA lacks are
 * faked too (the event is answered without a callback), and SKIP, RCPT_REJ and data sizes the MTA lacks are
 * simply not used.
 */
final class Negotiator {
    private static final System.Logger LOG = System.getLogger(Negotiator.class.getName());
    private static final int OPTIONAL_ABILITIES = ProtocolFlag.SKIP.bit() | ProtocolFlag.RCPT_REJ.bit();

    private Negotiator() {
    }

    /**
     * The agreement for an MTA's offer.
     *
     * @throws NegotiationException when the MTA cannot give the milter what it declared
     */
    static Agreement negotiate(Command.Negotiate offer, MilterSpec spec, String peer) {
        if (offer.version() < MilterSpec.MIN_VERSION) {
            throw new NegotiationException("MTA " + peer + " speaks milter protocol version " + offer.version()
                    + "; version " + MilterSpec.MIN_VERSION + " or later is needed");
        }
        int mtaActions = offer.actions() == 0 ? Action.V1 : offer.actions();
        int mtaProtocol = offer.protocol() == 0 ? ProtocolFlag.V1 : offer.protocol();
        int version = Math.min(spec.version(), offer.version());

        int actions = spec.actionBits();
        Map<MacroStage, List<String>> macros = spec.macros();
        if (!macros.isEmpty() && !Action.SET_MACRO_LIST.in(mtaActions)) {
            LOG.log(Level.WARNING, () -> "MTA " + peer + " does not offer SET_MACRO_LIST: the macro lists "
                    + spec.macros() + " are not sent and the MTA sends the macros it is configured to send");
            actions &= ~Action.SET_MACRO_LIST.bit();
            macros = Map.of();
        }
        int missingActions = actions & ~mtaActions;
        if (missingActions != 0) {
            throw new NegotiationException("MTA " + peer + " offers actions " + Action.describe(mtaActions)
                    + " but the milter declared " + Action.describe(actions) + "; missing "
                    + Action.describe(missingActions));
        }

        int wanted = spec.protocolBits();
        if (ProtocolFlag.HEADER_LEADING_SPACE.in(wanted) && !ProtocolFlag.HEADER_LEADING_SPACE.in(mtaProtocol)) {
            throw new NegotiationException("MTA " + peer + " offers protocol flags "
                    + ProtocolFlag.describe(mtaProtocol) + " without HEADER_LEADING_SPACE, which the milter "
                    + "declared");
        }
        int fakedNoReply = wanted & ProtocolFlag.ALL_NO_REPLIES & ~mtaProtocol;
        int fakedNoEvent = wanted & ProtocolFlag.ALL_NO_EVENTS & ~mtaProtocol;
        int dropped = wanted & OPTIONAL_ABILITIES & ~mtaProtocol;
        int protocol = wanted & ~(fakedNoReply | fakedNoEvent | dropped | ProtocolFlag.DATA_SIZES)
                | dataSize(wanted, mtaProtocol);
        if ((fakedNoReply | fakedNoEvent | dropped) != 0) {
            LOG.log(Level.DEBUG, () -> "MTA " + peer + " lacks " + ProtocolFlag.describe(fakedNoReply
                    | fakedNoEvent | dropped) + ": no-reply and do-not-send flags are emulated, the rest unused");
        }

        NegotiatedOptions options = new NegotiatedOptions(offer.version(), mtaActions, mtaProtocol, version,
                actions, protocol, macros);
        return new Agreement(options, new Response.Negotiate(version, actions, protocol, macros), spec,
                replyModes(spec, protocol));
    }

    /** The data size flag to agree on: the one declared if offered, else 256K if declared 1M and offered. */
    private static int dataSize(int wanted, int mtaProtocol) {
        if (ProtocolFlag.MDS_1M.in(wanted) && ProtocolFlag.MDS_1M.in(mtaProtocol)) {
            return ProtocolFlag.MDS_1M.bit();
        }
        if ((ProtocolFlag.MDS_1M.in(wanted) || ProtocolFlag.MDS_256K.in(wanted))
                && ProtocolFlag.MDS_256K.in(mtaProtocol)) {
            return ProtocolFlag.MDS_256K.bit();
        }
        return 0;
    }

    private static Map<Stage, Agreement.ReplyMode> replyModes(MilterSpec spec, int protocol) {
        EnumMap<Stage, Agreement.ReplyMode> modes = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            Agreement.ReplyMode mode;
            if (!stage.expectsReply(protocol)) {
                mode = Agreement.ReplyMode.NONE;
            } else if (spec.noReply().contains(stage) || !spec.events().contains(stage)) {
                mode = Agreement.ReplyMode.CONTINUE;
            } else {
                mode = Agreement.ReplyMode.VERDICT;
            }
            modes.put(stage, mode);
        }
        return modes;
    }

    /** The MTA cannot give the milter what it declared; the session ends without a reply. */
    static final class NegotiationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NegotiationException(String message) {
            super(message);
        }
    }
}
