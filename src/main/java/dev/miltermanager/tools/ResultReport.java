package dev.miltermanager.tools;

import dev.miltermanager.testing.AppliedMessage;
import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.StageReply;
import dev.miltermanager.testing.TestMessage.HeaderField;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link MilterResult} printed as the reference's {@code milter-test-server} prints it (status line, elapsed
 * time, quarantine reason, the envelope/header/body diff) or as JSON for scripts.
 */
final class ResultReport {
    private static final String RED = "\033[01;31m";
    private static final String GREEN = "\033[01;32m";
    private static final String NORMAL = "\033[00m";

    private ResultReport() {
    }

    static String text(MilterResult result, boolean outputMessage, boolean color) {
        StringBuilder out = new StringBuilder();
        out.append("status: ").append(result.statusName());
        result.reply().ifPresent(r -> out.append(" [").append(r.code()).append("]<")
                .append(r.enhancedCode() == null ? "" : r.enhancedCode()).append(">(")
                .append(String.join("\n", r.lines())).append(")"));
        out.append('\n');
        out.append("elapsed-time: ").append(seconds(result.elapsed().toNanos() / 1e9)).append(" seconds\n");
        result.quarantineReason().ifPresent(q -> out.append("Quarantine reason: <").append(q).append(">\n"));
        if (outputMessage) {
            out.append('\n');
            Printer p = new Printer(out, color);
            out.append("Envelope:------------------------------\n");
            envelope(p, result);
            out.append("Header:--------------------------------\n");
            headers(p, original(result), result.message().headers());
            out.append("Body:----------------------------------\n");
            out.append(new String(result.message().body(), StandardCharsets.UTF_8).replace("\r\n", "\n"))
                    .append('\n');
        }
        return out.toString();
    }

    /** {@code %g} as C prints it: six significant digits, trailing zeros removed. */
    static String seconds(double value) {
        String s = String.format(Locale.ROOT, "%.6g", value);
        if (s.contains("e")) {
            return s;
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    private static List<HeaderField> original(MilterResult result) {
        List<HeaderField> original = new ArrayList<>(result.original().headers());
        AppliedMessage m = result.message();
        if (m.mtaHeaderIndex() >= 0) {
            original.addFirst(m.headers().get(m.mtaHeaderIndex()));
        }
        return original;
    }

    private static void envelope(Printer p, MilterResult result) {
        String from = result.original().sender();
        String newFrom = result.message().sender();
        if (from.equals(newFrom)) {
            p.item(" ", "MAIL FROM", from);
        } else {
            p.item("-", "MAIL FROM", from);
            p.item("+", "MAIL FROM", newFrom);
        }
        List<String> before = result.original().recipients().stream().map(r -> r.address()).toList();
        List<String> after = result.message().recipientAddresses();
        int common = Math.min(before.size(), after.size());
        for (int i = 0; i < common; i++) {
            if (before.get(i).equals(after.get(i))) {
                p.item(" ", "RCPT TO", before.get(i));
            } else {
                p.item("-", "RCPT TO", before.get(i));
                p.item("+", "RCPT TO", after.get(i));
            }
        }
        before.subList(common, before.size()).forEach(r -> p.item("-", "RCPT TO", r));
        after.subList(common, after.size()).forEach(r -> p.item("+", "RCPT TO", r));
    }

    /**
     * The reference's header walk: an equal pair is kept (' '); a result header found nowhere in the rest of the
     * original is new ('+'); an original header found nowhere in the rest of the result is gone ('-'); a pair with
     * the same name is a change ('-' then '+'); anything else counts as new. Pairs compare name and value.
     */
    private static void headers(Printer p, List<HeaderField> before, List<HeaderField> after) {
        int i = 0;
        int j = 0;
        while (i < before.size() && j < after.size()) {
            HeaderField o = before.get(i);
            HeaderField r = after.get(j);
            if (o.equals(r)) {
                p.header(" ", o);
                i++;
                j++;
            } else if (!before.subList(i, before.size()).contains(r)) {
                p.header("+", r);
                j++;
            } else if (!after.subList(j, after.size()).contains(o)) {
                p.header("-", o);
                i++;
            } else if (o.name().equals(r.name())) {
                p.header("-", o);
                p.header("+", r);
                i++;
                j++;
            } else {
                p.header("+", r);
                j++;
            }
        }
        while (i < before.size()) {
            p.header("-", before.get(i++));
        }
        while (j < after.size()) {
            p.header("+", after.get(j++));
        }
    }

    private record Printer(StringBuilder out, boolean color) {
        void item(String prefix, String label, String address) {
            line(prefix, prefix + " " + label + ":" + address);
        }

        void header(String prefix, HeaderField header) {
            String[] lines = header.value().split("\n", -1);
            line(prefix, prefix + " " + header.name() + ": " + lines[0]);
            for (int k = 1; k < lines.length; k++) {
                line(prefix, prefix + " " + lines[k]);
            }
        }

        private void line(String prefix, String text) {
            String start = !color ? "" : prefix.equals("+") ? GREEN : prefix.equals("-") ? RED : "";
            out.append(start).append(text).append(start.isEmpty() ? "" : NORMAL).append('\n');
        }
    }

    static String json(MilterResult result) {
        Json j = new Json();
        j.open();
        j.field("status", result.statusName());
        j.field("decided_at", result.decidedAt().name().toLowerCase(Locale.ROOT));
        result.reply().ifPresent(r -> j.field("reply", r.toWire()));
        j.number("elapsed_seconds", result.elapsed().toNanos() / 1e9);
        result.quarantineReason().ifPresent(q -> j.field("quarantine_reason", q));
        j.key("stages").append('[');
        boolean first = true;
        for (StageReply s : result.stages()) {
            j.append(first ? "" : ",");
            first = false;
            Json stage = new Json();
            stage.open();
            stage.field("stage", s.stage().name().toLowerCase(Locale.ROOT));
            stage.field("argument", s.argument());
            stage.field("status", s.status().configName());
            stage.key("sent").append(s.sent()).append(',');
            stage.number("elapsed_seconds", s.elapsed().toNanos() / 1e9);
            stage.close();
            j.append(stage.toString());
        }
        j.append("],");
        j.key("edits").append('[');
        first = true;
        for (var edit : result.edits()) {
            j.append(first ? "" : ",").append(Json.quote(edit.toString()));
            first = false;
        }
        j.append("],");
        AppliedMessage m = result.message();
        j.field("sender", m.sender());
        j.key("recipients").append('[');
        first = true;
        for (String r : m.recipientAddresses()) {
            j.append(first ? "" : ",").append(Json.quote(r));
            first = false;
        }
        j.append("],");
        j.key("headers").append('[');
        first = true;
        for (HeaderField h : m.headers()) {
            j.append(first ? "" : ",").append("[").append(Json.quote(h.name())).append(",")
                    .append(Json.quote(h.value())).append(']');
            first = false;
        }
        j.append("],");
        j.field("body", new String(m.body(), StandardCharsets.UTF_8));
        j.close();
        return j.toString();
    }

    /** Just enough JSON writing for the report. */
    private static final class Json {
        private final StringBuilder s = new StringBuilder();

        void open() {
            s.append('{');
        }

        void close() {
            if (s.charAt(s.length() - 1) == ',') {
                s.setLength(s.length() - 1);
            }
            s.append('}');
        }

        StringBuilder key(String name) {
            return s.append(quote(name)).append(':');
        }

        void field(String name, String value) {
            key(name).append(quote(value)).append(',');
        }

        void number(String name, double value) {
            key(name).append(String.format(Locale.ROOT, "%.6f", value)).append(',');
        }

        Json append(String text) {
            s.append(text);
            return this;
        }

        Json append(char c) {
            s.append(c);
            return this;
        }

        static String quote(String text) {
            StringBuilder q = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> q.append("\\\"");
                    case '\\' -> q.append("\\\\");
                    case '\n' -> q.append("\\n");
                    case '\r' -> q.append("\\r");
                    case '\t' -> q.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            q.append(String.format("\\u%04x", (int) c));
                        } else {
                            q.append(c);
                        }
                    }
                }
            }
            return q.append('"').toString();
        }

        @Override
        public String toString() {
            return s.toString();
        }
    }
}
