package dev.miltermanager.interop;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain SMTP client for tests: one command at a time (no pipelining), every reply kept with its code and
 * text so a test can assert "RCPT got 451" or "end of DATA got 550 5.7.1 ...". Several messages may go over one
 * connection ({@link #send} then {@link #rset()} or another {@link #send}).
 *
 * {@snippet :
 * try (SmtpClient client = SmtpClient.connect(postfix.smtpPort())) {
 *     client.ehlo("client.example");
 *     SmtpClient.Transaction t = client.send("a@example.org", List.of("b@example.net"), rawMessage);
 *     assertEquals(250, t.endOfData().code(), client.transcript());
 *     client.quit();
 * }
 * }
 *
 * <p>Not thread-safe: one test thread drives one client.
 */
public final class SmtpClient implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** One SMTP reply: the code and each line's text (after {@code "250-"} / {@code "250 "}). */
    public record Reply(int code, List<String> lines) {
        public Reply {
            lines = List.copyOf(lines);
        }

        /** The lines' text joined by newlines, e.g. {@code "5.7.1 rejected by one"}. */
        public String text() {
            return String.join("\n", lines);
        }

        /** 2xx or 3xx. */
        public boolean positive() {
            return code < 400;
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    /** A command as sent (without CRLF; the message data shown as {@code <message>}) and its reply. */
    public record Exchange(String command, Reply reply) {
        @Override
        public String toString() {
            return "> " + command + "\n< " + reply;
        }
    }

    /**
     * The replies of one mail transaction. {@code data} is the reply to {@code DATA} (354 when the message was
     * sent) and {@code endOfData} the reply after the message; each is null when the transaction stopped
     * earlier (MAIL refused, no recipient accepted, DATA refused).
     */
    public record Transaction(Reply mail, List<Reply> rcpts, Reply data, Reply endOfData) {
        public Transaction {
            rcpts = List.copyOf(rcpts);
        }

        /** Whether the message was accepted at the end of DATA. */
        public boolean accepted() {
            return endOfData != null && endOfData.code() == 250;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Reply greeting;
    private final List<Exchange> transcript = new ArrayList<>();

    private SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.greeting = readReply();
        transcript.add(new Exchange("(connect)", greeting));
    }

    /** Connects to 127.0.0.1:port and reads the greeting. */
    public static SmtpClient connect(int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            return new SmtpClient(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot talk SMTP to 127.0.0.1:" + port, e);
        }
    }

    /**
     * Connects, says EHLO, sends one message and QUITs; returns the transaction's replies.
     */
    public static Transaction sendMail(int port, String from, List<String> recipients, String message) {
        try (SmtpClient client = connect(port)) {
            client.ehlo("client.interop.test");
            Transaction transaction = client.send(from, recipients, message);
            client.quit();
            return transaction;
        }
    }

    public Reply greeting() {
        return greeting;
    }

    public Reply ehlo(String name) {
        return command("EHLO " + name);
    }

    /**
     * One transaction: MAIL FROM, RCPT TO for each recipient, then DATA and the message if MAIL was accepted and
     * at least one recipient was. Addresses are given without angle brackets; {@code ""} is the null sender.
     * The message may use LF or CRLF line ends; it is sent with CRLF, dot-stuffed.
     */
    public Transaction send(String from, List<String> recipients, String message) {
        Reply mail = command("MAIL FROM:<" + from + ">");
        List<Reply> rcpts = new ArrayList<>();
        if (!mail.positive()) {
            return new Transaction(mail, rcpts, null, null);
        }
        for (String recipient : recipients) {
            rcpts.add(command("RCPT TO:<" + recipient + ">"));
        }
        if (rcpts.stream().noneMatch(Reply::positive)) {
            return new Transaction(mail, rcpts, null, null);
        }
        Reply data = command("DATA");
        if (data.code() != 354) {
            return new Transaction(mail, rcpts, data, null);
        }
        Reply end = exchange("<message>", dotStuffed(message));
        return new Transaction(mail, rcpts, data, end);
    }

    public Reply rset() {
        return command("RSET");
    }

    public Reply quit() {
        return command("QUIT");
    }

    /** Sends any command line (without CRLF) and reads the reply. */
    public Reply command(String line) {
        return exchange(line, (line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Every command and reply so far, one per line pair; handy as an assertion message. */
    public String transcript() {
        StringBuilder text = new StringBuilder();
        transcript.forEach(exchange -> text.append(exchange).append('\n'));
        return text.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private Reply exchange(String shown, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            Reply reply = readReply();
            transcript.add(new Exchange(shown, reply));
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException("SMTP " + shown + " failed; transcript so far:\n" + transcript(), e);
        }
    }

    private static byte[] dotStuffed(String message) {
        String normalized = message.replace("\r\n", "\n");
        if (normalized.endsWith("\n")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        StringBuilder data = new StringBuilder();
        for (String line : normalized.split("\n", -1)) {
            data.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        data.append(".\r\n");
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed while waiting for a reply");
            }
            if (line.length() < 3) {
                throw new IOException("malformed reply line: " + line);
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return null;
    }
}
