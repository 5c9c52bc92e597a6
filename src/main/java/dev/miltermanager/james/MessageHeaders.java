package dev.miltermanager.james;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.WireText;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A message's header block as the milters see it, and the milters' header edits applied to it. Unchanged headers
 * keep their raw lines byte for byte; only added and changed ones are written anew. Not thread-safe.
 *
 * <p>Edit semantics are the MTAs': {@code h} appends; {@code i} inserts at an index on the whole list (past the end
 * appends); {@code m} changes the index-th header of that name (ASCII case ignored, counted from 1, 0 read as 1),
 * an empty value deleting it and an index past the count appending a new one.
 */
final class MessageHeaders {
    /** One header: its name, its value as the milters see it, and its raw line (without the final CRLF). */
    private record Line(String name, String value, String raw) {
    }

    private final List<Line> lines;
    private final boolean leadingSpace;
    private boolean changed;

    private MessageHeaders(List<Line> lines, boolean leadingSpace) {
        this.lines = lines;
        this.leadingSpace = leadingSpace;
    }

    /**
     * The headers of {@code message} in order.
     *
     * @param leadingSpace whether values keep the space after the colon (HDR_LEADSPC was agreed)
     */
    static MessageHeaders read(MimeMessage message, boolean leadingSpace) throws MessagingException {
        List<Line> lines = new ArrayList<>();
        Enumeration<String> raw = message.getAllHeaderLines();
        while (raw.hasMoreElements()) {
            String line = raw.nextElement();
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue; // not a header (JavaMail keeps such lines); no MTA would pass it on as one
            }
            String value = fromJavaMail(line.substring(colon + 1)).replace("\r\n", "\n");
            if (!leadingSpace) {
                value = value.stripLeading();
            }
            lines.add(new Line(fromJavaMail(line.substring(0, colon)).stripTrailing(), value, line));
        }
        return new MessageHeaders(lines, leadingSpace);
    }

    /** The headers as milter commands, in order. */
    List<Command.Header> commands() {
        return lines.stream().map(l -> new Command.Header(l.name(), l.value())).toList();
    }

    /**
     * Applies one header edit.
     *
     * @throws IllegalArgumentException if {@code edit} is not {@code h}, {@code i} or {@code m}
     */
    void apply(Response.Modification edit) {
        switch (edit) {
            case Response.AddHeader add -> lines.add(line(add.name(), add.value()));
            case Response.InsertHeader insert -> {
                int at = insert.index() < 0 || insert.index() > lines.size() ? lines.size() : insert.index();
                lines.add(at, line(insert.name(), insert.value()));
            }
            case Response.ChangeHeader change -> change(change);
            default -> throw new IllegalArgumentException("not a header edit: " + edit);
        }
        changed = true;
    }

    private void change(Response.ChangeHeader change) {
        long wanted = Math.max(1, Integer.toUnsignedLong(change.index()));
        long seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).name().equalsIgnoreCase(change.name()) && ++seen == wanted) {
                if (change.value().isEmpty()) {
                    lines.remove(i);
                } else {
                    lines.set(i, line(change.name(), change.value()));
                }
                return;
            }
        }
        if (!change.value().isEmpty()) {
            lines.add(line(change.name(), change.value()));
        }
    }

    private Line line(String name, String value) {
        String text = leadingSpace || value.isEmpty() || value.startsWith(" ") || value.startsWith("\t")
                ? value : " " + value;
        return new Line(name, value, toJavaMail((name + ":" + text).replace("\n", "\r\n")));
    }

    /**
     * A header string as JavaMail read it to the text milters get. JavaMail reads header bytes one char per byte
     * (unless {@code mail.mime.allowutf8}): those bytes are decoded as on the milter wire, so UTF-8 and raw 8-bit
     * text reach the milters unchanged.
     */
    static String fromJavaMail(String text) {
        if (text.chars().anyMatch(c -> c > 0xFF)) {
            return text; // already decoded (allowutf8)
        }
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return WireText.decode(bytes, 0, bytes.length);
    }

    /** A milter's text as a JavaMail header string: its wire bytes, one char per byte. */
    static String toJavaMail(String text) {
        return new String(WireText.encode(text), StandardCharsets.ISO_8859_1);
    }

    /** Whether any edit was applied. */
    boolean changed() {
        return changed;
    }

    /** The raw header lines, in order, without line ends. */
    List<String> rawLines() {
        return lines.stream().map(Line::raw).toList();
    }

    /**
     * Replaces the headers of {@code message} by these, in this order. The body is left alone (James streams it
     * from its store as before); the Message-ID is whatever these headers hold.
     */
    void writeTo(MimeMessage message) throws MessagingException {
        Set<String> names = new LinkedHashSet<>();
        Enumeration<Header> all = message.getAllHeaders();
        while (all.hasMoreElements()) {
            names.add(all.nextElement().getName().toLowerCase(Locale.ROOT));
        }
        for (String name : names) {
            message.removeHeader(name);
        }
        for (Line line : lines) {
            message.addHeaderLine(line.raw());
        }
    }
}
