package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** Encodes and decodes MTA-to-milter {@link Command}s. Stateless and thread-safe. */
public final class CommandCodec {
    private static final String FAMILY = "command";

    private CommandCodec() {
    }

    /** The whole frame of a command, length prefix included, ready to write. */
    public static ByteBuffer encode(Command command) {
        return switch (command) {
            case Command.Negotiate n -> new PayloadWriter('O', 12).u32(n.version()).u32(n.actions())
                    .u32(n.protocol()).toFrame();
            case Command.Macros m -> encodeMacros(m);
            case Command.Connect c -> encodeConnect(c);
            case Command.Helo h -> new PayloadWriter('H', h.name().length() + 1).string(h.name(), "HELO name")
                    .toFrame();
            case Command.MailFrom m -> new PayloadWriter('M', 64).string(m.sender(), "sender")
                    .strings(m.esmtpArgs(), "ESMTP argument").toFrame();
            case Command.Recipient r -> new PayloadWriter('R', 64).string(r.recipient(), "recipient")
                    .strings(r.esmtpArgs(), "ESMTP argument").toFrame();
            case Command.Header h -> new PayloadWriter('L', h.name().length() + h.value().length() + 2)
                    .string(h.name(), "header name").string(h.value(), "header value").toFrame();
            case Command.Body b -> new PayloadWriter('B', b.chunk().remaining()).bytes(b.chunk()).toFrame();
            case Command.EndOfMessage e -> new PayloadWriter('E', e.chunk().remaining()).bytes(e.chunk()).toFrame();
            case Command.Unknown u -> new PayloadWriter('U', u.line().length() + 1).string(u.line(), "command line")
                    .toFrame();
            case Command.Data d -> empty('T');
            case Command.EndOfHeaders e -> empty('N');
            case Command.Abort a -> empty('A');
            case Command.Quit q -> empty('Q');
            case Command.QuitNewConnection q -> empty('K');
        };
    }

    /**
     * The command a packet holds.
     *
     * @throws UnknownPacketException for a code that is not a command
     * @throws MalformedPacketException when the data does not fit the code
     */
    public static Command decode(Packet packet) {
        PayloadReader in = new PayloadReader(packet, FAMILY);
        Command command = switch (packet.code()) {
            case 'O' -> new Command.Negotiate(in.u32("version"), in.u32("actions"), in.u32("protocol flags"));
            case 'D' -> decodeMacros(in);
            case 'C' -> decodeConnect(in);
            case 'H' -> new Command.Helo(in.string("HELO name"));
            case 'M' -> new Command.MailFrom(in.string("sender"), in.strings("ESMTP argument"));
            case 'R' -> new Command.Recipient(in.string("recipient"), in.strings("ESMTP argument"));
            case 'T' -> new Command.Data();
            case 'L' -> new Command.Header(in.string("header name"), in.string("header value"));
            case 'N' -> new Command.EndOfHeaders();
            case 'B' -> new Command.Body(in.rest());
            case 'E' -> new Command.EndOfMessage(in.rest());
            case 'U' -> new Command.Unknown(in.string("command line"));
            case 'A' -> new Command.Abort();
            case 'Q' -> new Command.Quit();
            case 'K' -> new Command.QuitNewConnection();
            default -> throw new UnknownPacketException(packet.code(), FAMILY);
        };
        // libmilter reads the three words of 'O' and ignores what follows; so do we.
        if (packet.code() != 'O') {
            in.end();
        }
        return command;
    }

    private static ByteBuffer empty(char code) {
        return new PayloadWriter(code, 0).toFrame();
    }

    private static ByteBuffer encodeMacros(Command.Macros m) {
        PayloadWriter out = new PayloadWriter('D', 128).u8(m.commandCode());
        m.macros().forEach((name, value) -> out.string(name, "macro name").string(value, "macro value"));
        return out.toFrame();
    }

    private static Command.Macros decodeMacros(PayloadReader in) {
        char commandCode = in.u8("macro command code");
        Map<String, String> macros = new LinkedHashMap<>();
        while (in.hasRemaining()) {
            String name = in.string("macro name");
            if (!in.hasRemaining()) {
                throw in.malformed("macro " + name + " has no value");
            }
            macros.put(name, in.string("macro value"));
        }
        return new Command.Macros(commandCode, macros);
    }

    private static ByteBuffer encodeConnect(Command.Connect c) {
        PayloadWriter out = new PayloadWriter('C', c.hostname().length() + c.address().length() + 5)
                .string(c.hostname(), "host name").u8(c.family().wire());
        if (c.family() != Command.Family.UNKNOWN) {
            out.u16(c.port()).string(c.address(), "address");
        }
        return out.toFrame();
    }

    private static Command.Connect decodeConnect(PayloadReader in) {
        String hostname = in.string("host name");
        Command.Family family = Command.Family.ofWire(in.u8("address family"));
        if (family == Command.Family.UNKNOWN) {
            return Command.Connect.unknown(hostname);
        }
        int port = in.u16("port");
        return new Command.Connect(hostname, family, port, in.string("address"));
    }
}
