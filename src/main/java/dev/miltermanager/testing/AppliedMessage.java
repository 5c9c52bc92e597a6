package dev.miltermanager.testing;

import dev.miltermanager.testing.TestMessage.HeaderField;
import dev.miltermanager.testing.TestMessage.Recipient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The message as the MTA would deliver it after applying the milter's edits: the envelope (sender, recipients
 * without the rejected and deleted ones, with the added ones), the headers (with the MTA's own {@code Received:}
 * on top when the profile keeps one hidden from milters) and the body (replaced or not).
 *
 * @param sender the envelope sender, with angle brackets
 * @param senderArgs its ESMTP arguments
 * @param recipients the envelope recipients
 * @param headers every header in delivery order
 * @param mtaHeaderIndex where the MTA's own hidden header is in {@code headers}, or -1
 * @param body the body bytes (CRLF line ends)
 */
public record AppliedMessage(String sender, List<String> senderArgs, List<Recipient> recipients,
        List<HeaderField> headers, int mtaHeaderIndex, byte[] body) {

    public AppliedMessage {
        Objects.requireNonNull(sender, "sender");
        senderArgs = List.copyOf(senderArgs);
        recipients = List.copyOf(recipients);
        headers = List.copyOf(headers);
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The recipients' addresses, with angle brackets. */
    public List<String> recipientAddresses() {
        return recipients.stream().map(Recipient::address).toList();
    }

    /** The headers a milter would see: {@link #headers()} without the MTA's hidden one. */
    public List<HeaderField> visibleHeaders() {
        if (mtaHeaderIndex < 0) {
            return headers;
        }
        List<HeaderField> visible = new java.util.ArrayList<>(headers);
        visible.remove(mtaHeaderIndex);
        return List.copyOf(visible);
    }

    /** The values of every header called {@code name} (ASCII case ignored), in order. */
    public List<String> headerValues(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HeaderField::value).toList();
    }

    /** The value of the first header called {@code name}, if any. */
    public Optional<String> header(String name) {
        return headerValues(name).stream().findFirst();
    }

    /** The message in RFC 5322 form: headers ({@code Name: value}, folded lines CRLF), a blank line, the body. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField header : headers) {
            out.writeBytes((header.name() + ": " + header.value().replace("\n", "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(new byte[] {'\r', '\n'});
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AppliedMessage that && sender.equals(that.sender)
                && senderArgs.equals(that.senderArgs) && recipients.equals(that.recipients)
                && headers.equals(that.headers) && mtaHeaderIndex == that.mtaHeaderIndex
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sender, senderArgs, recipients, headers, mtaHeaderIndex, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "AppliedMessage[from " + sender + " to " + recipientAddresses() + ", " + headers.size()
                + " headers, " + body.length + " body bytes]";
    }
}
