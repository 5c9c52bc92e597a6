package dev.miltermanager.protocol;

/**
 * The events of a milter conversation that a milter answers with a verdict, each with the command code that
 * carries it and the negotiation flags that concern it.
 */
public enum Stage {
    CONNECT('C', ProtocolFlag.NO_CONNECT, ProtocolFlag.NR_CONNECT, 2),
    HELO('H', ProtocolFlag.NO_HELO, ProtocolFlag.NR_HELO, 2),
    MAIL('M', ProtocolFlag.NO_MAIL, ProtocolFlag.NR_MAIL, 2),
    RCPT('R', ProtocolFlag.NO_RCPT, ProtocolFlag.NR_RCPT, 2),
    DATA('T', ProtocolFlag.NO_DATA, ProtocolFlag.NR_DATA, 4),
    HEADER('L', ProtocolFlag.NO_HEADERS, ProtocolFlag.NR_HEADER, 2),
    EOH('N', ProtocolFlag.NO_EOH, ProtocolFlag.NR_EOH, 2),
    BODY('B', ProtocolFlag.NO_BODY, ProtocolFlag.NR_BODY, 2),
    EOM('E', null, null, 2),
    UNKNOWN('U', ProtocolFlag.NO_UNKNOWN, ProtocolFlag.NR_UNKNOWN, 3);

    private final char commandCode;
    private final ProtocolFlag noEvent;
    private final ProtocolFlag noReply;
    private final int sinceVersion;

    Stage(char commandCode, ProtocolFlag noEvent, ProtocolFlag noReply, int sinceVersion) {
        this.commandCode = commandCode;
        this.noEvent = noEvent;
        this.noReply = noReply;
        this.sinceVersion = sinceVersion;
    }

    /** The command code of this event. */
    public char commandCode() {
        return commandCode;
    }

    /** The flag by which a milter asks not to receive this event, or {@code null} (end of message is always sent). */
    public ProtocolFlag noEventFlag() {
        return noEvent;
    }

    /** The flag by which a milter declares it will not reply to this event, or {@code null}. */
    public ProtocolFlag noReplyFlag() {
        return noReply;
    }

    /**
     * The lowest protocol version that defines this event: MTAs do not send DATA to milters below 4 nor UNKNOWN
     * below 3.
     */
    public int sinceVersion() {
        return sinceVersion;
    }

    /** Whether a milter that negotiated {@code protocol} at {@code version} receives this event. */
    public boolean isSent(int version, int protocol) {
        return version >= sinceVersion && (noEvent == null || !noEvent.in(protocol));
    }

    /** Whether a milter that negotiated {@code protocol} replies to this event (when it receives it). */
    public boolean expectsReply(int protocol) {
        return noReply == null || !noReply.in(protocol);
    }

    /** The macro stage of this event, or {@code null} for events that carry no macros. */
    public MacroStage macroStage() {
        return MacroStage.ofCommandCode(commandCode);
    }

    /** The event a command belongs to, or {@code null} for commands that are not answered with a verdict. */
    public static Stage of(Command command) {
        return switch (command) {
            case Command.Connect c -> CONNECT;
            case Command.Helo h -> HELO;
            case Command.MailFrom m -> MAIL;
            case Command.Recipient r -> RCPT;
            case Command.Data d -> DATA;
            case Command.Header h -> HEADER;
            case Command.EndOfHeaders e -> EOH;
            case Command.Body b -> BODY;
            case Command.EndOfMessage e -> EOM;
            case Command.Unknown u -> UNKNOWN;
            case Command.Negotiate n -> null;
            case Command.Macros m -> null;
            case Command.Abort a -> null;
            case Command.Quit q -> null;
            case Command.QuitNewConnection q -> null;
        };
    }
}
