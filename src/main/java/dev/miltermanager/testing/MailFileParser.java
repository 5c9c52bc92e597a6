package dev.miltermanager.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a mail file into a {@link TestMessage.Builder}: headers, body, and the envelope from From:/To:. */
final class MailFileParser {

    private MailFileParser() {
    }

    static TestMessage.Builder parse(byte[] mail) {
        List<byte[]> lines = splitLines(mail);
        TestMessage.Builder builder = TestMessage.builder();
        List<String[]> headers = new ArrayList<>();
        int i = 0;
        if (!lines.isEmpty() && text(lines.getFirst()).startsWith("From ")) {
            i++;
        }
        for (; i < lines.size(); i++) {
            String line = text(lines.get(i));
            if (line.isEmpty()) {
                i++;
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (headers.isEmpty()) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": a continuation line before any "
                            + "header: '" + line + "'");
                }
                String[] last = headers.getLast();
                last[1] = last[1] + "\n" + line;
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(0, colon).chars().allMatch(c -> c > 32 && c < 127)) {
                throw new IllegalArgumentException("line " + (i + 1) + ": not a header ('Name: value') "
                        + "nor a continuation line: '" + line + "'");
            }
            String value = line.substring(colon + 1);
            headers.add(new String[] {line.substring(0, colon), value.startsWith(" ") ? value.substring(1) : value});
        }
        boolean sawTo = false;
        for (String[] header : headers) {
            builder.header(header[0], header[1]);
            if (header[0].equalsIgnoreCase("From")) {
                builder.from(pathOf(header[1]));
            } else if (header[0].equalsIgnoreCase("To")) {
                for (String address : header[1].split(",")) {
                    if (!address.isBlank()) {
                        builder.to(pathOf(address));
                        sawTo = true;
                    }
                }
            }
        }
        if (!sawTo) {
            throw new IllegalArgumentException("the mail has no To: header to take the recipients from");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int b = i; b < lines.size(); b++) {
            body.writeBytes(lines.get(b));
            body.writeBytes(new byte[] {'\r', '\n'});
        }
        return builder.body(body.toByteArray());
    }

    /** The address inside angle brackets, or the first word, as the reference extracts it. */
    static String pathOf(String value) {
        String v = value.replace('\n', ' ').trim();
        int open = v.indexOf('<');
        if (open >= 0) {
            int close = v.indexOf('>', open);
            if (close < 0) {
                throw new IllegalArgumentException("invalid mail address: " + value);
            }
            return v.substring(open, close + 1);
        }
        int space = v.indexOf(' ');
        return "<" + (space < 0 ? v : v.substring(0, space)) + ">";
    }

    /** The lines without their ends (LF or CRLF); a last line without end counts, an empty tail does not. */
    private static List<byte[]> splitLines(byte[] mail) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < mail.length; i++) {
            if (mail[i] == '\n') {
                int end = i > start && mail[i - 1] == '\r' ? i - 1 : i;
                lines.add(java.util.Arrays.copyOfRange(mail, start, end));
                start = i + 1;
            }
        }
        if (start < mail.length) {
            lines.add(java.util.Arrays.copyOfRange(mail, start, mail.length));
        }
        return lines;
    }

    private static String text(byte[] line) {
        return new String(line, StandardCharsets.UTF_8);
    }
}
