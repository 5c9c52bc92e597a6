package dev.miltermanager.interop;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny SMTP server on a free loopback port that accepts every message and queues it for the test
 * (the final hop of a {@link PostfixInstance}). It advertises 8BITMIME, SMTPUTF8 and PIPELINING, so Postfix
 * relays the message unconverted, and greets as {@code sink.interop.test}, a name unlike the instance's own.
 * Started with {@link #startWithDsn()} it advertises DSN too, so Postfix passes RET, ENVID, NOTIFY and ORCPT on;
 * either way the ESMTP parameters of MAIL and RCPT are kept with each message.
 *
 * {@snippet :
 * try (SmtpSink sink = SmtpSink.start()) {
 *     // ... relay mail to sink.port() ...
 *     SmtpSink.Message message = sink.await(Duration.ofSeconds(10));
 *     assertEquals("yes", message.header("X-Checked"));
 * }
 * }
 *
 * <p>One virtual thread per connection; thread-safe; {@link #close()} stops accepting and drops open connections.
 */
public final class SmtpSink implements AutoCloseable {

    /** The greeting and EHLO name of the sink. */
    public static final String HOSTNAME = "sink.interop.test";

    /**
     * One delivered message: the envelope (addresses without angle brackets) and the data exactly as received,
     * CRLF line ends, dot-stuffing undone, without the final ".". {@code mailParameters} are the ESMTP parameters
     * of MAIL FROM as sent (e.g. {@code "BODY=8BITMIME RET=HDRS"}, empty if none); {@code recipientParameters}
     * those of each RCPT TO, by recipient, in order.
     */
    public record Message(String from, List<String> recipients, byte[] data, String mailParameters,
                          Map<String, String> recipientParameters) {
        public Message {
            recipients = List.copyOf(recipients);
            data = data.clone();
            recipientParameters = Collections.unmodifiableMap(new LinkedHashMap<>(recipientParameters));
        }

        /** A message without ESMTP parameters. */
        public Message(String from, List<String> recipients, byte[] data) {
            this(from, recipients, data, "", Map.of());
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** The data as UTF-8 text. */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        /** The header section: every line before the first empty line, with their CRLFs. */
        public String headerSection() {
            String text = text();
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? text : text.substring(0, end + 2);
        }

        /** The body: everything after the first empty line (CRLF line ends). */
        public String body() {
            String text = text();
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? "" : text.substring(end + 4);
        }

        /**
         * The values of every header field with this name (case-insensitive), in order, unfolded (each line break
         * of a folded value removed) and without the space after the colon.
         */
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String field : headerSection().split("\r\n(?![ \t])")) {
                if (field.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    values.add(field.substring(prefix.length()).replace("\r\n", "").stripLeading());
                }
            }
            return values;
        }

        /** The first value of a header field, or null. */
        public String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Message m && from.equals(m.from) && recipients.equals(m.recipients)
                    && Arrays.equals(data, m.data) && mailParameters.equals(m.mailParameters)
                    && recipientParameters.equals(m.recipientParameters);
        }

        @Override
        public int hashCode() {
            return Objects.hash(from, recipients, Arrays.hashCode(data), mailParameters, recipientParameters);
        }

        @Override
        public String toString() {
            return "Message[from=" + from + " " + mailParameters + ", recipients=" + recipientParameters
                    + ", data=\n" + text() + "]";
        }
    }

    private final ServerSocket server;
    private final boolean dsn;
    private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger delivered = new AtomicInteger();
    private final Thread acceptor;

    private SmtpSink(ServerSocket server, boolean dsn) {
        this.server = server;
        this.dsn = dsn;
        this.acceptor = Thread.ofVirtual().name("smtp-sink-accept").start(this::acceptLoop);
    }

    /** Starts a sink on 127.0.0.1, port chosen by the system. */
    public static SmtpSink start() {
        return start(false);
    }

    /** As {@link #start()}, advertising DSN as well (RFC 3461). */
    public static SmtpSink startWithDsn() {
        return start(true);
    }

    private static SmtpSink start(boolean dsn) {
        try {
            return new SmtpSink(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), dsn);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the SMTP sink", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Takes the next message, waiting up to {@code timeout}.
     *
     * @throws AssertionError if none arrives in time
     */
    public Message await(Duration timeout) {
        return poll(timeout).orElseThrow(() -> new AssertionError("no message reached the sink within " + timeout));
    }

    /** Takes the next message if one arrives within {@code timeout}. */
    public Optional<Message> poll(Duration timeout) {
        try {
            return Optional.ofNullable(messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a message", e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        connections.forEach(socket -> {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread.ofVirtual().name("smtp-sink-" + socket.getPort()).start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            new Conversation(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream()).run();
        } catch (IOException e) {
            // the peer went away; nothing to keep
        } finally {
            connections.remove(socket);
        }
    }

    /** The state of one SMTP connection. */
    private final class Conversation {
        private final InputStream in;
        private final OutputStream out;
        private String from;
        private String mailParameters = "";
        private final Map<String, String> recipients = new LinkedHashMap<>();

        Conversation(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            reply("220 " + HOSTNAME + " ESMTP SmtpSink");
            for (byte[] raw = readLine(); raw != null; raw = readLine()) {
                String line = new String(raw, StandardCharsets.UTF_8);
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply("250-" + HOSTNAME + "\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                            + (dsn ? "250-DSN\r\n" : "") + "250 SMTPUTF8");
                    case "HELO" -> reply("250 " + HOSTNAME);
                    case "MAIL" -> {
                        from = address(line);
                        mailParameters = parameters(line);
                        recipients.clear();
                        reply("250 2.1.0 Ok");
                    }
                    case "RCPT" -> {
                        if (from == null) {
                            reply("503 5.5.1 MAIL first");
                        } else {
                            recipients.put(address(line), parameters(line));
                            reply("250 2.1.5 Ok");
                        }
                    }
                    case "DATA" -> data();
                    case "RSET" -> {
                        from = null;
                        mailParameters = "";
                        recipients.clear();
                        reply("250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply("250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply("221 2.0.0 Bye");
                        return;
                    }
                    default -> reply("502 5.5.2 Command not recognized");
                }
            }
        }

        private void data() throws IOException {
            if (from == null || recipients.isEmpty()) {
                reply("503 5.5.1 No valid recipients");
                return;
            }
            reply("354 End data with <CR><LF>.<CR><LF>");
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (byte[] line = readLine(); ; line = readLine()) {
                if (line == null) {
                    throw new IOException("connection closed in DATA");
                }
                if (line.length == 1 && line[0] == '.') {
                    break;
                }
                int skip = line.length > 0 && line[0] == '.' ? 1 : 0;
                data.write(line, skip, line.length - skip);
                data.write('\r');
                data.write('\n');
            }
            messages.add(new Message(from, List.copyOf(recipients.keySet()), data.toByteArray(), mailParameters,
                    recipients));
            from = null;
            mailParameters = "";
            recipients.clear();
            reply("250 2.0.0 Ok: queued as sink-" + delivered.incrementAndGet());
        }

        /** The address between the first '<' and the next '>' (empty for the null sender). */
        private String address(String line) {
            int open = line.indexOf('<');
            int close = open < 0 ? -1 : line.indexOf('>', open);
            return close < 0 ? line.substring(line.indexOf(':') + 1).trim() : line.substring(open + 1, close);
        }

        /** What follows the address's closing '>' (the ESMTP parameters), trimmed. */
        private String parameters(String line) {
            int close = line.indexOf('>', Math.max(line.indexOf('<'), 0));
            return close < 0 ? "" : line.substring(close + 1).trim();
        }

        /** One line without its CRLF (or bare LF), or null at end of stream. */
        private byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return Arrays.copyOf(bytes, length);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toByteArray();
        }

        private void reply(String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
