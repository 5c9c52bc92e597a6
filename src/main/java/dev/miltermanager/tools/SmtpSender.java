package dev.miltermanager.tools;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Sends one mail over one SMTP session (EHLO, [XCLIENT, EHLO,] MAIL, RCPT…, DATA, QUIT) and says how it ended. */
final class SmtpSender {

    /** How one mail ended: accepted (2xx to the end of DATA), refused (the first 4xx/5xx reply), or an error. */
    record Outcome(int replyCode, String reply, String error) {
        boolean accepted() {
            return error == null && replyCode / 100 == 2;
        }
    }

    private SmtpSender() {
    }

    /**
     * @param xclient the attributes of a Postfix XCLIENT command sent after EHLO (then EHLO again), such as
     *     {@code NAME=mx.example.net ADDR=192.0.2.1}; null for none
     */
    static Outcome send(String host, int port, String helo, String xclient, String from, List<String> recipients,
            byte[] message, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String[] reply = {read(in)};
            if (!ok(reply[0])) {
                return refused(reply[0]);
            }
            for (String command : commands(helo, xclient, from, recipients)) {
                out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                reply[0] = read(in);
                if (!ok(reply[0])) {
                    return refused(reply[0]);
                }
            }
            out.write(dotStuffed(message));
            out.flush();
            String end = read(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return ok(end) ? new Outcome(code(end), end, null) : refused(end);
        } catch (IOException | RuntimeException e) {
            return new Outcome(0, "", e.toString());
        }
    }

    private static List<String> commands(String helo, String xclient, String from, List<String> recipients) {
        List<String> commands = new java.util.ArrayList<>();
        commands.add("EHLO " + helo);
        if (xclient != null) {
            commands.add("XCLIENT " + xclient);
            commands.add("EHLO " + helo);
        }
        commands.add("MAIL FROM:<" + from + ">");
        recipients.forEach(r -> commands.add("RCPT TO:<" + r + ">"));
        commands.add("DATA");
        return commands;
    }

    private static boolean ok(String reply) {
        int code = code(reply);
        return code >= 200 && code < 400;
    }

    private static int code(String reply) {
        try {
            return Integer.parseInt(reply.substring(0, 3));
        } catch (RuntimeException e) {
            throw new IllegalStateException("not an SMTP reply: '" + reply + "'");
        }
    }

    private static Outcome refused(String reply) {
        return new Outcome(code(reply), reply, null);
    }

    /** One (possibly multi-line) reply, its lines joined by LF. */
    private static String read(InputStream in) throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String line = readLine(in);
            all.append(all.isEmpty() ? "" : "\n").append(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return all.toString();
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the server closed the connection");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** The message with CRLF line ends, leading dots doubled, and the final "." line. */
    static byte[] dotStuffed(byte[] message) {
        String text = new String(message, StandardCharsets.UTF_8).replace("\r\n", "\n");
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            out.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        if (text.endsWith("\n")) {
            out.setLength(out.length() - 2);
        }
        return out.append(".\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
