package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Stage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a milter declares in option negotiation. Nothing is inferred from which callbacks a {@link Milter}
 * overrides: a milter gets exactly the events, actions and macros declared here.
 *
 * <ul>
 *   <li>{@code version}: the highest protocol version spoken (2..6); the answer to the MTA is the lower of this
 *       and the MTA's.</li>
 *   <li>{@code actions}: the modifications the milter will make at end of message. An MTA that does not offer
 *       all of them is refused (the connection closes with an error in the log). {@link Action#SET_MACRO_LIST}
 *       is implied by non-empty {@code macros}.</li>
 *   <li>{@code events}: the events whose callbacks run; the MTA is asked not to send the others (NO_* flags).
 *       {@link Stage#EOM} is always included. If the MTA cannot leave an event out, it is answered with
 *       CONTINUE without a callback.</li>
 *   <li>{@code noReply}: events the milter will not answer (NR_* flags); their callbacks' verdicts are
 *       dropped. If the MTA lacks an NR_* flag, CONTINUE is sent on the milter's behalf, as libmilter does.</li>
 *   <li>{@code abilities}: {@link ProtocolFlag#SKIP}, {@link ProtocolFlag#RCPT_REJ},
 *       {@link ProtocolFlag#HEADER_LEADING_SPACE}, and one of {@link ProtocolFlag#MDS_256K} /
 *       {@link ProtocolFlag#MDS_1M}. SKIP, RCPT_REJ and the data sizes are dropped when the MTA lacks them;
 *       HEADER_LEADING_SPACE changes what header values mean, so an MTA without it is refused.</li>
 *   <li>{@code macros}: the macros wanted per stage, replacing the MTA's configured lists. An MTA that does not
 *       offer {@link Action#SET_MACRO_LIST} gets no lists (a warning is logged) and sends the macros it is
 *       configured to send.</li>
 * </ul>
 *
 * {@snippet :
 * MilterSpec spec = MilterSpec.builder()
 *         .actions(Action.ADD_HEADERS)
 *         .events(Stage.HEADER, Stage.EOM)
 *         .noReply(Stage.HEADER)
 *         .macros(MacroStage.EOM, "i", "{auth_authen}")
 *         .build();
 * }
 *
 * <p>Immutable and thread-safe.
 *
 * @param version the protocol version, 2..6
 * @param actions the modification actions needed
 * @param events the events delivered to callbacks (always contains {@link Stage#EOM})
 * @param noReply the events not answered, a subset of {@code events} without {@link Stage#EOM}
 * @param abilities extra MTA abilities wanted (see above)
 * @param macros macro names per stage
 */
public record MilterSpec(int version, Set<Action> actions, Set<Stage> events, Set<Stage> noReply,
        Set<ProtocolFlag> abilities, Map<MacroStage, List<String>> macros) {
    /** The protocol version spoken unless declared otherwise. */
    public static final int DEFAULT_VERSION = 6;
    /** The lowest protocol version there is an MTA for. */
    public static final int MIN_VERSION = 2;

    private static final Set<ProtocolFlag> ABILITIES = EnumSet.of(ProtocolFlag.SKIP, ProtocolFlag.RCPT_REJ,
            ProtocolFlag.HEADER_LEADING_SPACE, ProtocolFlag.MDS_256K, ProtocolFlag.MDS_1M);

    public MilterSpec {
        if (version < MIN_VERSION || version > DEFAULT_VERSION) {
            throw new IllegalArgumentException("protocol version must be " + MIN_VERSION + ".." + DEFAULT_VERSION
                    + ", not " + version);
        }
        actions = Collections.unmodifiableSet(copy(actions, Action.class));
        EnumSet<Stage> wanted = copy(events, Stage.class);
        wanted.add(Stage.EOM);
        events = Collections.unmodifiableSet(wanted);
        EnumSet<Stage> silent = copy(noReply, Stage.class);
        if (silent.contains(Stage.EOM)) {
            throw new IllegalArgumentException("end of message is always answered: it cannot be in noReply");
        }
        if (!wanted.containsAll(silent)) {
            EnumSet<Stage> stray = EnumSet.copyOf(silent);
            stray.removeAll(wanted);
            throw new IllegalArgumentException("noReply " + stray + " names events that are not in events "
                    + wanted);
        }
        noReply = Collections.unmodifiableSet(silent);
        abilities = Collections.unmodifiableSet(checkAbilities(copy(abilities, ProtocolFlag.class)));
        macros = checkMacros(macros);
    }

    /** All events, no actions, no abilities, no macro lists, version {@value #DEFAULT_VERSION}. */
    public static MilterSpec defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The protocol flags this spec asks for: NO_* for events left out, NR_* and abilities as declared. */
    public int protocolBits() {
        int bits = ProtocolFlag.bits(abilities);
        for (Stage stage : Stage.values()) {
            if (stage.noEventFlag() != null && !events.contains(stage)) {
                bits |= stage.noEventFlag().bit();
            }
            if (noReply.contains(stage)) {
                bits |= stage.noReplyFlag().bit();
            }
        }
        return bits;
    }

    /** The action bits this spec asks for, {@link Action#SET_MACRO_LIST} included when macros are declared. */
    public int actionBits() {
        return Action.bits(actions) | (macros.isEmpty() ? 0 : Action.SET_MACRO_LIST.bit());
    }

    private static <E extends Enum<E>> EnumSet<E> copy(Set<E> set, Class<E> type) {
        Objects.requireNonNull(set, type.getSimpleName() + " set");
        EnumSet<E> copy = EnumSet.noneOf(type);
        copy.addAll(set);
        return copy;
    }

    private static EnumSet<ProtocolFlag> checkAbilities(EnumSet<ProtocolFlag> flags) {
        if (!ABILITIES.containsAll(flags)) {
            EnumSet<ProtocolFlag> stray = EnumSet.copyOf(flags);
            stray.removeAll(ABILITIES);
            throw new IllegalArgumentException(stray + " are not abilities; declare events with events() and "
                    + "noReply(), abilities are " + ABILITIES);
        }
        if (flags.contains(ProtocolFlag.MDS_256K) && flags.contains(ProtocolFlag.MDS_1M)) {
            throw new IllegalArgumentException("declare one data size, MDS_256K or MDS_1M, not both");
        }
        return flags;
    }

    private static Map<MacroStage, List<String>> checkMacros(Map<MacroStage, List<String>> macros) {
        Objects.requireNonNull(macros, "macros");
        EnumMap<MacroStage, List<String>> copy = new EnumMap<>(MacroStage.class);
        macros.forEach((stage, names) -> {
            for (String name : names) {
                if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == 0x7F)) {
                    throw new IllegalArgumentException("macro name '" + name + "' at " + stage
                            + " must be non-empty without spaces or control characters");
                }
            }
            if (!names.isEmpty()) {
                copy.put(stage, List.copyOf(new LinkedHashSet<>(names)));
            }
        });
        return Collections.unmodifiableMap(copy);
    }

    /** Builds a {@link MilterSpec}; not thread-safe. Every setter replaces what it sets. */
    public static final class Builder {
        private int version = DEFAULT_VERSION;
        private final EnumSet<Action> actions = EnumSet.noneOf(Action.class);
        private final EnumSet<Stage> events = EnumSet.allOf(Stage.class);
        private final EnumSet<Stage> noReply = EnumSet.noneOf(Stage.class);
        private final EnumSet<ProtocolFlag> abilities = EnumSet.noneOf(ProtocolFlag.class);
        private final EnumMap<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);

        private Builder() {
        }

        /** The highest protocol version spoken, 2..6 (default {@value MilterSpec#DEFAULT_VERSION}). */
        public Builder version(int version) {
            this.version = version;
            return this;
        }

        /** The modification actions needed at end of message. */
        public Builder actions(Action... actions) {
            this.actions.clear();
            this.actions.addAll(List.of(actions));
            return this;
        }

        /** The events whose callbacks run (default: all); {@link Stage#EOM} is always included. */
        public Builder events(Stage... events) {
            this.events.clear();
            this.events.addAll(List.of(events));
            return this;
        }

        /** The events the milter will not answer (default: none). */
        public Builder noReply(Stage... events) {
            this.noReply.clear();
            this.noReply.addAll(List.of(events));
            return this;
        }

        /** Ask for {@link ProtocolFlag#SKIP}, so {@link Verdict#SKIP} from the body callback is sent. */
        public Builder skip() {
            abilities.add(ProtocolFlag.SKIP);
            return this;
        }

        /** Ask for {@link ProtocolFlag#RCPT_REJ}: recipients the MTA rejected are delivered too. */
        public Builder rejectedRecipients() {
            abilities.add(ProtocolFlag.RCPT_REJ);
            return this;
        }

        /**
         * Ask for {@link ProtocolFlag#HEADER_LEADING_SPACE}: header values arrive with the space after the colon,
         * and values the milter adds are used as given (the MTA adds no space).
         */
        public Builder headerLeadingSpace() {
            abilities.add(ProtocolFlag.HEADER_LEADING_SPACE);
            return this;
        }

        /** Accept packets larger than 64 KiB: {@link ProtocolFlag#MDS_256K} or {@link ProtocolFlag#MDS_1M}. */
        public Builder dataSize(ProtocolFlag size) {
            if (size != ProtocolFlag.MDS_256K && size != ProtocolFlag.MDS_1M) {
                throw new IllegalArgumentException("data size must be MDS_256K or MDS_1M, not " + size);
            }
            abilities.remove(ProtocolFlag.MDS_256K);
            abilities.remove(ProtocolFlag.MDS_1M);
            abilities.add(size);
            return this;
        }

        /** The macros wanted at {@code stage}, such as {@code "i"} or {@code "{auth_authen}"}. */
        public Builder macros(MacroStage stage, String... names) {
            macros.put(Objects.requireNonNull(stage, "stage"), List.of(names));
            return this;
        }

        /** The spec, validated. */
        public MilterSpec build() {
            return new MilterSpec(version, actions, events, noReply, abilities, macros);
        }
    }
}
