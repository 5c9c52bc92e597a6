package dev.miltermanager.james;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;
import java.util.function.LongConsumer;

/**
 * A message whose body is made as it is read — never held anywhere as a whole — like a large message James streams
 * from its store. Lines of 64 bytes with CRLF. Each read reports how many body bytes have been produced so far, so
 * a test can watch how far the reader runs ahead of what a milter has received.
 */
final class GeneratedBody {
    private static final int LINE = 64;

    private GeneratedBody() {
    }

    /** A message with a few headers and {@code size} body bytes; {@code produced} sees the count at each read. */
    static MimeMessage message(long size, LongConsumer produced) throws MessagingException {
        String headers = "Message-ID: <large@example.net>\r\nFrom: alice@example.net\r\nSubject: large\r\n\r\n";
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(headers.getBytes(StandardCharsets.US_ASCII))) {
            @Override
            public InputStream getRawInputStream() {
                return stream(size, produced);
            }
        };
    }

    /** The body bytes, generated. */
    static InputStream stream(long size, LongConsumer produced) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - position);
                for (int i = 0; i < n; i++) {
                    b[off + i] = byteAt(position + i);
                }
                position += n;
                produced.accept(position);
                return n;
            }
        };
    }

    private static byte byteAt(long position) {
        int column = (int) (position % LINE);
        if (column == LINE - 2) {
            return '\r';
        }
        if (column == LINE - 1) {
            return '\n';
        }
        return (byte) ('a' + (position / LINE + column) % 26);
    }

    /** SHA-256 of the body, in lower-case hex. */
    static String sha256(long size) throws Exception {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        try (InputStream in = stream(size, p -> { })) {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
