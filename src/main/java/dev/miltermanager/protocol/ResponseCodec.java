package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Encodes and decodes milter-to-MTA {@link Response}s. Stateless and thread-safe. */
public final class ResponseCodec {
    private static final String FAMILY = "response";

    private ResponseCodec() {
    }

    /** The whole frame of a response, length prefix included, ready to write. */
    public static ByteBuffer encode(Response response) {
        return switch (response) {
            case Response.Negotiate n -> encodeNegotiate(n);
            case Response.ReplyCode y -> new PayloadWriter('y', 64).string(y.reply().toWire(), "reply").toFrame();
            case Response.AddHeader h -> header('h', h.name(), h.value()).toFrame();
            case Response.InsertHeader i -> new PayloadWriter('i', 64).u32(i.index())
                    .string(i.name(), "header name").string(i.value(), "header value").toFrame();
            case Response.ChangeHeader m -> new PayloadWriter('m', 64).u32(m.index())
                    .string(m.name(), "header name").string(m.value(), "header value").toFrame();
            case Response.ReplaceBody b -> new PayloadWriter('b', b.chunk().remaining()).bytes(b.chunk()).toFrame();
            case Response.AddRecipient a -> new PayloadWriter('+', 64).string(a.recipient(), "recipient").toFrame();
            case Response.AddRecipientWithArgs a -> withArgs('2', a.recipient(), a.esmtpArgs(), "recipient");
            case Response.DeleteRecipient d -> new PayloadWriter('-', 64).string(d.recipient(), "recipient").toFrame();
            case Response.ChangeFrom e -> withArgs('e', e.sender(), e.esmtpArgs(), "sender");
            case Response.Quarantine q -> new PayloadWriter('q', 64).string(q.reason(), "reason").toFrame();
            case Response.Continue c -> empty('c');
            case Response.Accept a -> empty('a');
            case Response.Reject r -> empty('r');
            case Response.TempFail t -> empty('t');
            case Response.Discard d -> empty('d');
            case Response.Skip s -> empty('s');
            case Response.Shutdown s -> empty('4');
            case Response.ConnectionFailure f -> empty('f');
            case Response.Progress p -> empty('p');
        };
    }

    /** Several responses in one buffer, for one write. */
    public static ByteBuffer encodeAll(List<? extends Response> responses) {
        ByteBuffer[] frames = new ByteBuffer[responses.size()];
        int total = 0;
        for (int i = 0; i < frames.length; i++) {
            frames[i] = encode(responses.get(i));
            total += frames[i].remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        Arrays.stream(frames).forEach(all::put);
        return all.flip();
    }

    /**
     * The response a packet holds.
     *
     * @throws UnknownPacketException for a code that is not a response
     * @throws MalformedPacketException when the data does not fit the code
     * @throws SmtpReply.InvalidReplyException when a {@code y} reply is not one an MTA would accept
     */
    public static Response decode(Packet packet) {
        PayloadReader in = new PayloadReader(packet, FAMILY);
        Response response = switch (packet.code()) {
            case 'O' -> decodeNegotiate(in);
            case 'c' -> new Response.Continue();
            case 'a' -> new Response.Accept();
            case 'r' -> new Response.Reject();
            case 't' -> new Response.TempFail();
            case 'd' -> new Response.Discard();
            case 's' -> new Response.Skip();
            case '4' -> new Response.Shutdown();
            case 'f' -> new Response.ConnectionFailure();
            case 'p' -> new Response.Progress();
            case 'y' -> new Response.ReplyCode(SmtpReply.parse(in.string("reply")));
            case 'h' -> new Response.AddHeader(in.string("header name"), in.string("header value"));
            case 'i' -> new Response.InsertHeader(in.u32("index"), in.string("header name"), in.string("header value"));
            case 'm' -> new Response.ChangeHeader(in.u32("index"), in.string("header name"), in.string("header value"));
            case 'b' -> new Response.ReplaceBody(in.rest());
            case '+' -> new Response.AddRecipient(in.string("recipient"));
            case '2' -> new Response.AddRecipientWithArgs(in.string("recipient"), optionalArgs(in));
            case '-' -> new Response.DeleteRecipient(in.string("recipient"));
            case 'e' -> new Response.ChangeFrom(in.string("sender"), optionalArgs(in));
            case 'q' -> new Response.Quarantine(in.string("reason"));
            default -> throw new UnknownPacketException(packet.code(), FAMILY);
        };
        in.end();
        return response;
    }

    private static ByteBuffer empty(char code) {
        return new PayloadWriter(code, 0).toFrame();
    }

    private static PayloadWriter header(char code, String name, String value) {
        return new PayloadWriter(code, name.length() + value.length() + 2).string(name, "header name")
                .string(value, "header value");
    }

    private static ByteBuffer withArgs(char code, String address, String args, String field) {
        PayloadWriter out = new PayloadWriter(code, 64).string(address, field);
        if (!args.isEmpty()) {
            out.string(args, "ESMTP arguments");
        }
        return out.toFrame();
    }

    private static String optionalArgs(PayloadReader in) {
        return in.hasRemaining() ? in.string("ESMTP arguments") : "";
    }

    private static ByteBuffer encodeNegotiate(Response.Negotiate n) {
        PayloadWriter out = new PayloadWriter('O', 12 + 32 * n.macros().size())
                .u32(n.version()).u32(n.actions()).u32(n.protocol());
        n.macros().forEach((stage, names) -> out.u32(stage.wireValue()).string(String.join(" ", names), "macro list"));
        return out.toFrame();
    }

    private static Response.Negotiate decodeNegotiate(PayloadReader in) {
        int version = in.u32("version");
        int actions = in.u32("actions");
        int protocol = in.u32("protocol flags");
        Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
        while (in.hasRemaining()) {
            MacroStage stage = MacroStage.ofWireValue(in.u32("macro stage"));
            List<String> names = new ArrayList<>();
            for (String name : in.string("macro list").split(" ")) {
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
            macros.put(stage, names);
        }
        return new Response.Negotiate(version, actions, protocol, macros);
    }
}
