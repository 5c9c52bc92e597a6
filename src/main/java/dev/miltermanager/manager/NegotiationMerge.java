package dev.miltermanager.manager;

import dev.miltermanager.client.Negotiated;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The manager's answer to the MTA's negotiation, merged from the children's answers:
 * <ul>
 *   <li>version: the MTA's, capped at 6;</li>
 *   <li>actions: the union of the children's, within the MTA's offer;</li>
 *   <li>no "don't send" flag ever: conditions and children need every event;</li>
 *   <li>a "no reply" flag only where the MTA offered it and no child answers that event (it asked for no reply or
 *       not to receive the event), and, with {@link MilterManagerConfig#deferContentReplies()}, for headers, end of
 *       headers and body chunks (the content events) wherever the MTA offered it;</li>
 *   <li>SKIP, RCPT_REJ and HDR_LEADSPC where the MTA offered them and some child asked; never a larger data size;</li>
 *   <li>macro lists: per stage, the union of the children's lists (with SETSYMLIST, if offered).</li>
 * </ul>
 */
final class NegotiationMerge {
    static final int MAX_VERSION = 6;
    private static final int MTA_ABILITIES = ProtocolFlag.SKIP.bit() | ProtocolFlag.RCPT_REJ.bit()
            | ProtocolFlag.HEADER_LEADING_SPACE.bit();

    private NegotiationMerge() {
    }

    /** The offer the children get: the MTA's, version capped at 6. */
    static Command.Negotiate childOffer(Command.Negotiate mta) {
        return new Command.Negotiate(Math.min(MAX_VERSION, mta.version()), mta.actions(), mta.protocol());
    }

    /** The reply when no child takes part: the capped version and nothing asked for. */
    static Response.Negotiate withoutChildren(Command.Negotiate mta) {
        return new Response.Negotiate(Math.min(MAX_VERSION, mta.version()), 0, 0);
    }

    /** The content events, whose answers {@link MilterManagerConfig#deferContentReplies()} gives at end of message. */
    private static final Set<Stage> CONTENT = EnumSet.of(Stage.HEADER, Stage.EOH, Stage.BODY);

    static Response.Negotiate merge(Command.Negotiate mta, List<Negotiated> children, boolean deferContentReplies) {
        int actions = 0;
        int abilities = 0;
        Map<MacroStage, Set<String>> macros = new EnumMap<>(MacroStage.class);
        for (Negotiated child : children) {
            actions |= child.actions();
            abilities |= child.protocol() & MTA_ABILITIES;
            child.macros().forEach((stage, names) -> macros.computeIfAbsent(stage, s -> new LinkedHashSet<>())
                    .addAll(names));
        }
        actions &= mta.actions();
        if (!macros.isEmpty()) {
            actions |= mta.actions() & Action.SET_MACRO_LIST.bit();
        }
        if (!Action.SET_MACRO_LIST.in(actions)) {
            macros.clear();
        }
        int protocol = (abilities & mta.protocol()) | noReplyFlags(mta, children, deferContentReplies);
        Map<MacroStage, List<String>> lists = new EnumMap<>(MacroStage.class);
        macros.forEach((stage, names) -> lists.put(stage, new ArrayList<>(names)));
        return new Response.Negotiate(Math.min(MAX_VERSION, mta.version()), actions, protocol, lists);
    }

    private static int noReplyFlags(Command.Negotiate mta, List<Negotiated> children, boolean deferContentReplies) {
        if (children.isEmpty()) {
            return 0;
        }
        int flags = 0;
        for (Stage stage : Stage.values()) {
            ProtocolFlag noReply = stage.noReplyFlag();
            if (noReply == null || !noReply.in(mta.protocol())) {
                continue;
            }
            boolean silent = deferContentReplies && CONTENT.contains(stage)
                    || children.stream().allMatch(c -> !c.isSent(stage) || !c.expectsReply(stage));
            if (silent) {
                flags |= noReply.bit();
            }
        }
        return flags;
    }
}
