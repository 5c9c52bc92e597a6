package dev.miltermanager.testing;

import dev.miltermanager.protocol.MacroStage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message as an MTA simulator sends it: the envelope (sender and recipients, each with ESMTP arguments), the
 * headers, the body (in chunks), unknown SMTP commands sent after the recipients, and extra macros per stage.
 * Immutable; built with {@link #builder()} or read from a mail file with {@link #parse(byte[])}.
 *
 * {@snippet :
 * TestMessage message = TestMessage.builder()
 *         .from("alice@example.org", "SIZE=1000")
 *         .to("bob@example.net")
 *         .header("Subject", "hello")
 *         .body("Hi Bob\r\n")
 *         .build();
 * }
 *
 * @param sender the envelope sender with angle brackets, as MAIL FROM sends it
 * @param senderArgs its ESMTP arguments
 * @param recipients the envelope recipients in order
 * @param headers the headers in order (values without the space after the colon)
 * @param bodyChunks the body, as the pieces to send (CRLF line ends as an MTA sends them)
 * @param unknownCommands SMTP command lines the MTA does not know, sent after the recipients
 * @param macros extra macros per stage, added to (and overriding) the profile's
 */
public record TestMessage(String sender, List<String> senderArgs, List<Recipient> recipients,
        List<HeaderField> headers, List<byte[]> bodyChunks, List<String> unknownCommands,
        Map<MacroStage, Map<String, String>> macros) {

    public TestMessage {
        Objects.requireNonNull(sender, "sender");
        senderArgs = List.copyOf(senderArgs);
        recipients = List.copyOf(recipients);
        headers = List.copyOf(headers);
        bodyChunks = bodyChunks.stream().map(byte[]::clone).toList();
        unknownCommands = List.copyOf(unknownCommands);
        EnumMap<MacroStage, Map<String, String>> copy = new EnumMap<>(MacroStage.class);
        macros.forEach((stage, values) -> copy.put(stage, java.util.Collections.unmodifiableMap(
                new LinkedHashMap<>(values))));
        macros = java.util.Collections.unmodifiableMap(copy);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one recipient");
        }
    }

    /** The body, all chunks together. */
    public byte[] body() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        bodyChunks.forEach(out::writeBytes);
        return out.toByteArray();
    }

    @Override
    public List<byte[]> bodyChunks() {
        return bodyChunks.stream().map(byte[]::clone).toList();
    }

    /** Equal when every part is, body chunks compared byte by byte. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof TestMessage that) || bodyChunks.size() != that.bodyChunks.size()) {
            return false;
        }
        for (int i = 0; i < bodyChunks.size(); i++) {
            if (!java.util.Arrays.equals(bodyChunks.get(i), that.bodyChunks.get(i))) {
                return false;
            }
        }
        return sender.equals(that.sender) && senderArgs.equals(that.senderArgs) && recipients.equals(that.recipients)
                && headers.equals(that.headers) && unknownCommands.equals(that.unknownCommands)
                && macros.equals(that.macros);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sender, senderArgs, recipients, headers, unknownCommands, macros,
                java.util.Arrays.hashCode(body()));
    }

    @Override
    public String toString() {
        return "TestMessage[from " + sender + " to " + recipients.stream().map(Recipient::address).toList() + ", "
                + headers.size() + " headers, " + body().length + " body bytes]";
    }

    /** One envelope recipient, with angle brackets, and its ESMTP arguments. */
    public record Recipient(String address, List<String> args) {
        public Recipient {
            Objects.requireNonNull(address, "address");
            args = List.copyOf(args);
        }
    }

    /** One header: its name and its value without the space after the colon (folded lines joined by LF). */
    public record HeaderField(String name, String value) {
        public HeaderField {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    /** An empty builder: sender {@code <sender@example.com>}, no recipient yet, no header, empty body. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this message. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.sender = sender;
        b.senderArgs = new ArrayList<>(senderArgs);
        b.recipients.addAll(recipients);
        b.headers.addAll(headers);
        b.bodyChunks.addAll(bodyChunks);
        b.unknownCommands.addAll(unknownCommands);
        macros.forEach((stage, values) -> b.macros.put(stage, new LinkedHashMap<>(values)));
        return b;
    }

    /**
     * A message read from a mail file (RFC 5322, LF or CRLF line ends, an mbox {@code From } line skipped): the
     * headers in order (folded values kept, joined by LF), the body with CRLF line ends, the address of
     * {@code From:} as the sender and of each {@code To:} as a recipient, as the reference's
     * {@code milter-test-server --mail-file} does.
     *
     * @throws IllegalArgumentException for a line in the header section that is neither a header nor a
     *     continuation (the message names the line number), or a mail without {@code To:}
     */
    public static TestMessage parse(byte[] mail) {
        return MailFileParser.parse(mail).build();
    }

    /** {@link #parse(byte[])} of a file; errors name the file. */
    public static TestMessage read(Path file) {
        try {
            return MailFileParser.parse(Files.readAllBytes(file)).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read mail file " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Builds a {@link TestMessage}. Not thread-safe. */
    public static final class Builder {
        private String sender = "<sender@example.com>";
        private List<String> senderArgs = new ArrayList<>();
        private final List<Recipient> recipients = new ArrayList<>();
        private final List<HeaderField> headers = new ArrayList<>();
        private final List<byte[]> bodyChunks = new ArrayList<>();
        private final List<String> unknownCommands = new ArrayList<>();
        private final Map<MacroStage, Map<String, String>> macros = new EnumMap<>(MacroStage.class);

        private Builder() {
        }

        /** The envelope sender ({@code <>} for a bounce); angle brackets are added when missing. */
        public Builder from(String sender, String... esmtpArgs) {
            this.sender = bracketed(sender);
            this.senderArgs = new ArrayList<>(List.of(esmtpArgs));
            return this;
        }

        /** Adds a recipient; angle brackets are added when missing. */
        public Builder to(String recipient, String... esmtpArgs) {
            recipients.add(new Recipient(bracketed(recipient), List.of(esmtpArgs)));
            return this;
        }

        /** Removes every recipient. */
        public Builder clearRecipients() {
            recipients.clear();
            return this;
        }

        /** Adds a header (the value without the space after the colon). */
        public Builder header(String name, String value) {
            headers.add(new HeaderField(name, value));
            return this;
        }

        /** Removes every header. */
        public Builder clearHeaders() {
            headers.clear();
            return this;
        }

        /** The body as one chunk of UTF-8 text, bare LF turned into CRLF (as an MTA sends it). */
        public Builder body(String text) {
            return body(text.replaceAll("\r?\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        /** The body as one chunk of bytes, sent as given. */
        public Builder body(byte[] bytes) {
            bodyChunks.clear();
            bodyChunks.add(bytes.clone());
            return this;
        }

        /** Adds a body chunk, sent as given in its own BODY command (cut at 65535 bytes). */
        public Builder bodyChunk(byte[] bytes) {
            bodyChunks.add(bytes.clone());
            return this;
        }

        /** Adds an SMTP command the MTA does not know, sent after the recipients. */
        public Builder unknown(String commandLine) {
            unknownCommands.add(commandLine);
            return this;
        }

        /** Adds (or overrides) a macro for one stage of this message. */
        public Builder macro(MacroStage stage, String name, String value) {
            macros.computeIfAbsent(stage, s -> new LinkedHashMap<>()).put(name, value);
            return this;
        }

        /**
         * The message.
         *
         * @throws IllegalArgumentException without a recipient
         */
        public TestMessage build() {
            return new TestMessage(sender, senderArgs, recipients, headers, bodyChunks, unknownCommands, macros);
        }

        /** Adds {@code From:} and {@code To:} headers from the envelope when absent. */
        public Builder addressHeadersFromEnvelope() {
            if (headers.stream().noneMatch(h -> h.name().equalsIgnoreCase("From"))) {
                headers.add(new HeaderField("From", sender));
            }
            if (!recipients.isEmpty() && headers.stream().noneMatch(h -> h.name().equalsIgnoreCase("To"))) {
                headers.add(new HeaderField("To", recipients.getFirst().address()));
            }
            return this;
        }
    }

    static String bracketed(String address) {
        String a = address.trim();
        return a.startsWith("<") ? a : "<" + a + ">";
    }
}
