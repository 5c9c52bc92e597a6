package dev.miltermanager.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SMTP reply a milter asks the MTA to give, validated as libmilter and the MTAs validate it: a three-digit code
 * whose first digit is 4 or 5, an optional enhanced status code (RFC 2034) of the same class, and at most
 * {@value #MAX_LINES} lines of at most {@value #MAX_LINE_BYTES} bytes with no CR, LF or NUL.
 *
 * <p>The text is held as written; {@link #toWire()} doubles each {@code %} (Sendmail rejects a lone one) and
 * {@link #parse(String)} undoubles them.
 *
 * @param code the reply code, 400..599
 * @param enhancedCode such as {@code 5.7.1}, or {@code null}
 * @param lines the text lines, at least one (which may be empty)
 */
public record SmtpReply(int code, String enhancedCode, List<String> lines) {
    /** The most lines a reply may have (libmilter's limit). */
    public static final int MAX_LINES = 32;
    /** The most bytes of text a line may have (libmilter's MAXREPLYLEN). */
    public static final int MAX_LINE_BYTES = 980;

    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern WIRE_LINE = Pattern.compile("([45]\\d\\d)(?:([ -])(.*))?", Pattern.DOTALL);
    private static final Pattern LEADING_ENHANCED = Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3})(?: (.*)|$)",
            Pattern.DOTALL);

    public SmtpReply {
        Objects.requireNonNull(lines, "lines");
        lines = List.copyOf(lines.isEmpty() ? List.of("") : lines);
        if (code < 400 || code > 599) {
            throw new InvalidReplyException("reply code " + code + " is not a 4xx or 5xx code");
        }
        if (enhancedCode != null) {
            if (!ENHANCED.matcher(enhancedCode).matches()) {
                throw new InvalidReplyException("enhanced status code '" + enhancedCode + "' is not of the form x.y.z");
            }
            if (enhancedCode.charAt(0) != Integer.toString(code).charAt(0)) {
                throw new InvalidReplyException("enhanced status code " + enhancedCode + " does not match reply code "
                        + code);
            }
        }
        if (lines.size() > MAX_LINES) {
            throw new InvalidReplyException("reply has " + lines.size() + " lines, more than " + MAX_LINES);
        }
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0 || line.indexOf('\0') >= 0) {
                throw new InvalidReplyException("reply text must not contain CR, LF or NUL: " + quote(line));
            }
            int bytes = line.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_LINE_BYTES) {
                throw new InvalidReplyException("reply line of " + bytes + " bytes is longer than " + MAX_LINE_BYTES);
            }
        }
    }

    /** A reply with the given code, enhanced code (or {@code null}) and text lines. */
    public static SmtpReply of(int code, String enhancedCode, String... lines) {
        return new SmtpReply(code, enhancedCode, List.of(lines));
    }

    /** Whether this is a temporary failure (4xx). */
    public boolean isTemporary() {
        return code < 500;
    }

    /**
     * The wire form of the {@code y} response: {@code 550-5.7.1 l1\r\n550 5.7.1 l2}, with {@code %} doubled.
     * A multi-line reply without an enhanced code gets none, as the MTAs accept.
     */
    public String toWire() {
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            boolean last = i == lines.size() - 1;
            wire.append(code).append(last ? ' ' : '-');
            if (enhancedCode != null) {
                wire.append(enhancedCode);
                if (!lines.get(i).isEmpty()) {
                    wire.append(' ');
                }
            }
            wire.append(lines.get(i).replace("%", "%%"));
            if (!last) {
                wire.append("\r\n");
            }
        }
        return wire.toString();
    }

    /**
     * Parses the text of a {@code y} response as Postfix checks it: every line starts with the same
     * {@code [45]dd}, followed by {@code -} on every line but the last; the enhanced code, if the first line has
     * one, must agree with the code's class.
     *
     * @throws InvalidReplyException with the reason when the text is not a valid reply
     */
    public static SmtpReply parse(String wire) {
        if (wire.endsWith("\r\n")) {
            throw new InvalidReplyException("reply must not end with CRLF: the last line has none");
        }
        String[] rawLines = wire.split("\r\n", -1);
        int code = -1;
        String enhanced = null;
        List<String> lines = new ArrayList<>(rawLines.length);
        for (int i = 0; i < rawLines.length; i++) {
            Matcher m = WIRE_LINE.matcher(rawLines[i]);
            if (!m.matches()) {
                throw new InvalidReplyException("reply line " + quote(rawLines[i]) + " does not start with a 4xx or 5xx code");
            }
            int lineCode = Integer.parseInt(m.group(1));
            if (code >= 0 && lineCode != code) {
                throw new InvalidReplyException("reply mixes codes " + code + " and " + lineCode);
            }
            code = lineCode;
            boolean last = i == rawLines.length - 1;
            String separator = m.group(2);
            if (!last && !"-".equals(separator)) {
                throw new InvalidReplyException("reply line " + (i + 1) + " of " + rawLines.length
                        + " must continue with '-'");
            }
            if (last && "-".equals(separator)) {
                throw new InvalidReplyException("the last reply line must not continue with '-'");
            }
            String text = m.group(3) == null ? "" : m.group(3);
            Matcher e = LEADING_ENHANCED.matcher(text);
            if (e.matches() && (i == 0 || e.group(1).equals(enhanced))) {
                enhanced = e.group(1);
                text = e.group(2) == null ? "" : e.group(2);
            }
            lines.add(text.replace("%%", "%"));
        }
        return new SmtpReply(code, enhanced, lines);
    }

    private static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "\"" + shown.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + "\"";
    }

    /** A reply that the MTAs would refuse. */
    public static final class InvalidReplyException extends MilterProtocolException {
        private static final long serialVersionUID = 1L;

        public InvalidReplyException(String message) {
            super(message);
        }
    }
}
