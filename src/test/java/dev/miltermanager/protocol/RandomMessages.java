package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Random but valid commands, responses, replies and wire text for property tests. */
final class RandomMessages {
    private static final String ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 <>@.=:;,-_%{}[]\t";

    private RandomMessages() {
    }

    static Command command(SplittableRandom r) {
        return switch (r.nextInt(15)) {
            case 0 -> new Command.Negotiate(r.nextInt(), r.nextInt(), r.nextInt());
            case 1 -> macros(r);
            case 2 -> connect(r);
            case 3 -> new Command.Helo(text(r));
            case 4 -> new Command.MailFrom(text(r), texts(r, 4));
            case 5 -> new Command.Recipient(text(r), texts(r, 4));
            case 6 -> new Command.Data();
            case 7 -> new Command.Header(text(r), text(r));
            case 8 -> new Command.EndOfHeaders();
            case 9 -> new Command.Body(ByteBuffer.wrap(bytes(r)));
            case 10 -> new Command.EndOfMessage(ByteBuffer.wrap(r.nextInt(4) == 0 ? bytes(r) : new byte[0]));
            case 11 -> new Command.Unknown(text(r));
            case 12 -> new Command.Abort();
            case 13 -> new Command.Quit();
            default -> new Command.QuitNewConnection();
        };
    }

    static Response response(SplittableRandom r) {
        return switch (r.nextInt(21)) {
            case 0 -> negotiate(r);
            case 1 -> new Response.Continue();
            case 2 -> new Response.Accept();
            case 3 -> new Response.Reject();
            case 4 -> new Response.TempFail();
            case 5 -> new Response.Discard();
            case 6 -> new Response.ReplyCode(reply(r));
            case 7 -> new Response.Skip();
            case 8 -> new Response.Shutdown();
            case 9 -> new Response.ConnectionFailure();
            case 10 -> new Response.Progress();
            case 11 -> new Response.AddHeader(text(r), text(r));
            case 12 -> new Response.InsertHeader(r.nextInt(), text(r), text(r));
            case 13 -> new Response.ChangeHeader(r.nextInt(), text(r), text(r));
            case 14 -> new Response.ReplaceBody(ByteBuffer.wrap(bytes(r)));
            case 15 -> new Response.AddRecipient(text(r));
            case 16 -> new Response.AddRecipientWithArgs(text(r), text(r));
            case 17 -> new Response.DeleteRecipient(text(r));
            case 18 -> new Response.ChangeFrom(text(r), text(r));
            case 19 -> new Response.Quarantine(text(r));
            default -> new Response.Progress();
        };
    }

    /**
     * A valid reply. Text lines never start with a digit: a line such as {@code "5.7.1 x"} after a reply with no
     * enhanced code reads back as having one, an ambiguity of the wire form itself.
     */
    static SmtpReply reply(SplittableRandom r) {
        int code = r.nextInt(400, 600);
        String enhanced = r.nextBoolean() ? null
                : (code / 100) + "." + r.nextInt(1000) + "." + r.nextInt(1000);
        int count = r.nextInt(8) == 0 ? r.nextInt(1, SmtpReply.MAX_LINES + 1) : r.nextInt(1, 3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(r.nextInt(6) == 0 ? "" : (char) ('A' + r.nextInt(26)) + replyText(r));
        }
        return new SmtpReply(code, enhanced, lines);
    }

    /** A string of any kind the wire carries: ASCII, any Unicode, or 8-bit bytes that are not UTF-8. No NUL. */
    static String text(SplittableRandom r) {
        int length = r.nextInt(10) == 0 ? r.nextInt(300) : r.nextInt(20);
        return switch (r.nextInt(3)) {
            case 0 -> ascii(r, length);
            case 1 -> unicode(r, length);
            default -> {
                byte[] raw = new byte[length];
                for (int i = 0; i < length; i++) {
                    raw[i] = (byte) r.nextInt(1, 256);
                }
                yield WireText.decode(raw, 0, raw.length);
            }
        };
    }

    /** Bytes that lean toward the awkward: high bytes, lead bytes without continuations, valid sequences. */
    static byte[] awkwardBytes(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(40)];
        for (int i = 0; i < b.length; i++) {
            b[i] = switch (r.nextInt(5)) {
                case 0 -> (byte) r.nextInt(0x80);
                case 1 -> (byte) r.nextInt(0x80, 0xC0); // continuation
                case 2 -> (byte) r.nextInt(0xC0, 0xF8); // lead
                case 3 -> (byte) r.nextInt(0xF8, 0x100); // never valid
                default -> (byte) r.nextInt(256);
            };
        }
        if (r.nextBoolean() && b.length > 0) {
            byte[] valid = unicode(r, 3).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int at = r.nextInt(b.length);
            System.arraycopy(valid, 0, b, at, Math.min(valid.length, b.length - at));
        }
        return b;
    }

    private static String ascii(SplittableRandom r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ASCII.charAt(r.nextInt(ASCII.length())));
        }
        return s.toString();
    }

    /** Any code points but NUL and surrogates, with a lean toward two-, three- and four-byte UTF-8. */
    private static String unicode(SplittableRandom r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(1, 0x80);
                case 1 -> r.nextInt(0x80, 0x800);
                case 2 -> r.nextInt(0x800, 0x10000);
                default -> r.nextInt(0x10000, 0x110000);
            };
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                cp = 'x';
            }
            s.appendCodePoint(cp);
        }
        return s.toString();
    }

    private static String replyText(SplittableRandom r) {
        String text = r.nextBoolean() ? ascii(r, r.nextInt(30)) : unicode(r, r.nextInt(30));
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    private static List<String> texts(SplittableRandom r, int max) {
        List<String> list = new ArrayList<>();
        for (int i = r.nextInt(max + 1); i > 0; i--) {
            list.add(text(r));
        }
        return list;
    }

    private static byte[] bytes(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(10) == 0 ? r.nextInt(70_000) : r.nextInt(100)];
        r.nextBytes(b);
        return b;
    }

    private static Command.Macros macros(SplittableRandom r) {
        Map<String, String> macros = new LinkedHashMap<>();
        for (int i = r.nextInt(6); i > 0; i--) {
            macros.put(text(r), text(r));
        }
        return new Command.Macros((char) r.nextInt(256), macros);
    }

    private static Command.Connect connect(SplittableRandom r) {
        Command.Family family = Command.Family.values()[r.nextInt(4)];
        return switch (family) {
            case UNKNOWN -> Command.Connect.unknown(text(r));
            case UNIX -> new Command.Connect(text(r), family, 0, text(r));
            default -> new Command.Connect(text(r), family, r.nextInt(0x10000), text(r));
        };
    }

    private static Response.Negotiate negotiate(SplittableRandom r) {
        Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
        for (MacroStage stage : MacroStage.values()) {
            if (r.nextInt(3) == 0) {
                List<String> names = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    String name = ascii(r, r.nextInt(1, 12)).replace(' ', '_').replace('\t', '_');
                    names.add(r.nextBoolean() ? name : "{" + name + "}");
                }
                macros.put(stage, names);
            }
        }
        return new Response.Negotiate(r.nextInt(), r.nextInt(), r.nextInt(), macros);
    }
}
