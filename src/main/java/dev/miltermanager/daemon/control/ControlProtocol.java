package dev.miltermanager.daemon.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The control wire protocol, one command per connection, UTF-8 text lines ending in LF:
 * <pre>
 * client: [token HEX LF] COMMAND LF
 * server: ok|error LF TEXT... (then closes)
 * </pre>
 * The token line is required on TCP and ignored on Unix sockets.
 */
final class ControlProtocol {
    static final String TOKEN = "token ";
    static final String OK = "ok";
    static final String ERROR = "error";
    static final List<String> COMMANDS = List.of("status", "reload", "stop", "get-configuration");
    /** A request line longer than this is refused. */
    static final int MAX_LINE_BYTES = 1024;

    private ControlProtocol() {
    }

    /** One line without its LF (a CR before it is dropped too), or null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b == -1) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (line.size() >= MAX_LINE_BYTES) {
                throw new IOException("a control request line is longer than " + MAX_LINE_BYTES + " bytes");
            }
            line.write(b);
        }
    }

    static byte[] encode(ControlReply reply) {
        String text = reply.text();
        String body = text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
        return ((reply.ok() ? OK : ERROR) + "\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a whole reply, up to the server closing the connection. */
    static ControlReply decode(InputStream in) throws IOException {
        String first = readLine(in);
        if (first == null || !(first.equals(OK) || first.equals(ERROR))) {
            throw new IOException("the control socket did not answer as a milter-manager controller"
                    + (first == null ? " (it closed the connection)" : ": " + first));
        }
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new ControlReply(first.equals(OK), text);
    }
}
