package dev.miltermanager.policy.conditions;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two DNS messages a DNSBL lookup needs (RFC 1035): an A query for one name, and the answer to it, read for its
 * A records, the smallest TTL of the records used, and, for a negative answer, the negative-caching TTL of the SOA in
 * the authority section (RFC 2308). Names may be compressed; anything malformed is a {@link MalformedAnswerException}.
 */
final class DnsMessage {
    static final int TYPE_A = 1;
    static final int TYPE_CNAME = 5;
    static final int TYPE_SOA = 6;
    static final int CLASS_IN = 1;
    static final int RCODE_NOERROR = 0;
    static final int RCODE_NXDOMAIN = 3;

    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_TC = 0x0200;
    private static final int FLAG_RD = 0x0100;
    private static final int MAX_NAME_BYTES = 255;
    private static final int MAX_LABEL_BYTES = 63;

    private DnsMessage() {
    }

    /**
     * An answer to our query.
     *
     * @param rcode the response code (0 no error, 3 no such name, others are server failures)
     * @param addresses the A records' addresses, in answer order
     * @param ttlSeconds for a positive answer the smallest TTL of the A and CNAME records; for a negative one the
     *     SOA's negative TTL, or -1 when the server sent no SOA (then the answer is not cached)
     * @param truncated the TC bit
     */
    record Answer(int rcode, List<InetAddress> addresses, long ttlSeconds, boolean truncated) {
        Answer {
            addresses = List.copyOf(addresses);
        }
    }

    /** A message that is not a well-formed answer to the query we sent. */
    static final class MalformedAnswerException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedAnswerException(String message) {
            super(message);
        }
    }

    /** The wire form of a recursive A query for {@code name} with this id. */
    static byte[] query(int id, String name) {
        ByteBuffer out = ByteBuffer.allocate(12 + MAX_NAME_BYTES + 1 + 4);
        out.putShort((short) id).putShort((short) FLAG_RD).putShort((short) 1).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0);
        writeName(out, name);
        out.putShort((short) TYPE_A).putShort((short) CLASS_IN);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    private static void writeName(ByteBuffer out, String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        int start = out.position();
        for (String label : trimmed.split("\\.", -1)) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length == 0 || bytes.length > MAX_LABEL_BYTES) {
                throw new IllegalArgumentException("not a valid DNS name: " + name);
            }
            out.put((byte) bytes.length).put(bytes);
        }
        out.put((byte) 0);
        if (out.position() - start > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("DNS name longer than 255 bytes: " + name);
        }
    }

    /**
     * Reads the answer to the query with {@code id} for {@code name}.
     *
     * @throws MalformedAnswerException when the message is no answer, answers another id or question, or is cut
     */
    static Answer parse(byte[] message, int length, int id, String name) throws MalformedAnswerException {
        ByteBuffer in = ByteBuffer.wrap(message, 0, length);
        try {
            if (length < 12) {
                throw new MalformedAnswerException("message shorter than a DNS header (" + length + " bytes)");
            }
            int gotId = in.getShort() & 0xFFFF;
            int flags = in.getShort() & 0xFFFF;
            int questions = in.getShort() & 0xFFFF;
            int answers = in.getShort() & 0xFFFF;
            int authorities = in.getShort() & 0xFFFF;
            in.getShort();  // additional records: not read
            if (gotId != id || (flags & FLAG_QR) == 0) {
                throw new MalformedAnswerException("not the answer to query " + id);
            }
            if (questions != 1) {
                throw new MalformedAnswerException("answer with " + questions + " questions");
            }
            String asked = readName(in, message, length);
            int qtype = in.getShort() & 0xFFFF;
            int qclass = in.getShort() & 0xFFFF;
            if (!sameName(asked, name) || qtype != TYPE_A || qclass != CLASS_IN) {
                throw new MalformedAnswerException("answer to another question: " + asked);
            }
            int rcode = flags & 0x000F;
            List<InetAddress> addresses = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (int i = 0; i < answers; i++) {
                Record rr = readRecord(in, message, length);
                if (rr.rclass() == CLASS_IN && rr.type() == TYPE_A) {
                    if (rr.data().length != 4) {
                        throw new MalformedAnswerException("A record with " + rr.data().length + " bytes of data");
                    }
                    addresses.add(Inet4Address.getByAddress(rr.data()));
                    ttl = Math.min(ttl, rr.ttl());
                } else if (rr.type() == TYPE_CNAME) {
                    ttl = Math.min(ttl, rr.ttl());
                }
            }
            if (addresses.isEmpty()) {
                ttl = negativeTtl(in, message, length, authorities);
            }
            return new Answer(rcode, addresses, ttl, (flags & FLAG_TC) != 0);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new MalformedAnswerException("message cut short");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);  // four bytes always make an address
        }
    }

    /** The SOA's negative TTL (the smaller of its own TTL and its MINIMUM field), or -1 without an SOA. */
    private static long negativeTtl(ByteBuffer in, byte[] message, int length, int authorities)
            throws MalformedAnswerException {
        for (int i = 0; i < authorities; i++) {
            int rdataStart;
            Record rr = readRecord(in, message, length);
            if (rr.type() != TYPE_SOA) {
                continue;
            }
            rdataStart = in.position() - rr.data().length;
            ByteBuffer soa = ByteBuffer.wrap(message, rdataStart, length - rdataStart);
            readName(soa, message, length);  // MNAME
            readName(soa, message, length);  // RNAME
            soa.position(soa.position() + 16);  // SERIAL, REFRESH, RETRY, EXPIRE
            long minimum = soa.getInt() & 0xFFFFFFFFL;
            return Math.min(rr.ttl(), minimum);
        }
        return -1;
    }

    private record Record(int type, int rclass, long ttl, byte[] data) {}

    private static Record readRecord(ByteBuffer in, byte[] message, int length) throws MalformedAnswerException {
        readName(in, message, length);
        int type = in.getShort() & 0xFFFF;
        int rclass = in.getShort() & 0xFFFF;
        long ttl = in.getInt() & 0xFFFFFFFFL;
        if (ttl > Integer.MAX_VALUE) {
            ttl = 0;  // RFC 2181 §8: a TTL with the top bit set is read as zero
        }
        int rdlength = in.getShort() & 0xFFFF;
        byte[] data = new byte[rdlength];
        in.get(data);
        return new Record(type, rclass, ttl, data);
    }

    /** Reads a possibly compressed name at the buffer's position and leaves the position after it. */
    private static String readName(ByteBuffer in, byte[] message, int length) throws MalformedAnswerException {
        StringBuilder name = new StringBuilder();
        int position = in.position();
        int resumeAt = -1;
        int jumps = 0;
        while (true) {
            if (position >= length) {
                throw new MalformedAnswerException("name runs past the end of the message");
            }
            int len = message[position] & 0xFF;
            if ((len & 0xC0) == 0xC0) {
                if (position + 1 >= length) {
                    throw new MalformedAnswerException("compression pointer cut short");
                }
                if (++jumps > 64) {
                    throw new MalformedAnswerException("compression pointer loop");
                }
                if (resumeAt < 0) {
                    resumeAt = position + 2;
                }
                position = ((len & 0x3F) << 8) | (message[position + 1] & 0xFF);
                continue;
            }
            if ((len & 0xC0) != 0) {
                throw new MalformedAnswerException("unknown label type " + Integer.toHexString(len));
            }
            position++;
            if (len == 0) {
                break;
            }
            if (position + len > length || name.length() + len + 1 > MAX_NAME_BYTES) {
                throw new MalformedAnswerException("label runs past the end of the message or the name is too long");
            }
            if (!name.isEmpty()) {
                name.append('.');
            }
            name.append(new String(message, position, len, StandardCharsets.ISO_8859_1));
            position += len;
        }
        in.position(resumeAt >= 0 ? resumeAt : position);
        return name.toString();
    }

    private static boolean sameName(String a, String b) {
        String x = a.endsWith(".") ? a.substring(0, a.length() - 1) : a;
        String y = b.endsWith(".") ? b.substring(0, b.length() - 1) : b;
        return x.toLowerCase(Locale.ROOT).equals(y.toLowerCase(Locale.ROOT));
    }
}
