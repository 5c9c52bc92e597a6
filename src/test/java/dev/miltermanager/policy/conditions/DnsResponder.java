package dev.miltermanager.policy.conditions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny authoritative DNS server for tests, on a UDP port of loopback chosen by the system: it answers A queries for
 * the names it was given (answer names compressed, as real servers do), "no such name" with an SOA for the others, and
 * can be told to stay silent, to fail (SERVFAIL), or to answer late. It records every question it gets.
 */
public final class DnsResponder implements AutoCloseable {
    /** The negative TTL of its SOA. */
    public static final int NEGATIVE_TTL = 300;

    private record Records(List<InetAddress> addresses, int ttl) {}

    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<String, Records> names = new ConcurrentHashMap<>();
    private final List<String> questions = new CopyOnWriteArrayList<>();
    private final List<String> ignored = new CopyOnWriteArrayList<>();
    private volatile boolean silent;
    private volatile int failWith;
    private volatile Duration delay = Duration.ZERO;

    private DnsResponder() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("dns-responder").start(this::serve);
    }

    /** A started responder. */
    public static DnsResponder start() throws SocketException {
        return new DnsResponder();
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** {@code HOST:PORT} of {@link #address()}, as {@code dnsbl.name_servers} takes it. */
    public String spec() {
        return address().getAddress().getHostAddress() + ":" + address().getPort();
    }

    /** Answers {@code name} with these A records and TTL. */
    public DnsResponder add(String name, int ttl, String... addresses) {
        List<InetAddress> list = new ArrayList<>();
        for (String a : addresses) {
            list.add(NameServers.literal(a));
        }
        names.put(key(name), new Records(list, ttl));
        return this;
    }

    /** Forgets {@code name}: it is answered "no such name" again. */
    public void remove(String name) {
        names.remove(key(name));
    }

    /** Whether it answers nothing at all. */
    public void silent(boolean silent) {
        this.silent = silent;
    }

    /** Never answers the names in this zone. */
    public void ignore(String zone) {
        ignored.add("." + key(zone));
    }

    /** Answers every query with this response code (2 = SERVFAIL, 5 = REFUSED); 0 answers normally. */
    public void failWith(int rcode) {
        this.failWith = rcode;
    }

    /** Waits this long before each answer. */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    /** The names asked so far, in order, lower case. */
    public List<String> questions() {
        return List.copyOf(questions);
    }

    /** How many times {@code name} was asked. */
    public long asked(String name) {
        return questions.stream().filter(key(name)::equals).count();
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                ByteBuffer in = ByteBuffer.wrap(buffer, 0, packet.getLength());
                int id = in.getShort() & 0xFFFF;
                in.position(12);
                int questionStart = in.position();
                String name = readName(in);
                int qtype = in.getShort() & 0xFFFF;
                in.getShort();
                byte[] question = new byte[in.position() - questionStart];
                System.arraycopy(buffer, questionStart, question, 0, question.length);
                questions.add(key(name));
                if (silent || ignored.stream().anyMatch(key(name)::endsWith)) {
                    continue;
                }
                Duration wait = delay;
                if (!wait.isZero()) {
                    Thread.sleep(wait);
                }
                byte[] answer = answer(id, question, key(name), qtype);
                socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private byte[] answer(int id, byte[] question, String name, int qtype) {
        Records records = names.get(name);
        int rcode = failWith != 0 ? failWith : records == null ? DnsMessage.RCODE_NXDOMAIN : DnsMessage.RCODE_NOERROR;
        boolean positive = rcode == 0 && qtype == DnsMessage.TYPE_A && records != null;
        int answers = positive ? records.addresses().size() : 0;
        int authorities = rcode == DnsMessage.RCODE_NXDOMAIN || (rcode == 0 && answers == 0) ? 1 : 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(12).putShort((short) id).putShort((short) (0x8500 | rcode))
                .putShort((short) 1).putShort((short) answers).putShort((short) authorities).putShort((short) 0);
        out.writeBytes(header.array());
        out.writeBytes(question);
        for (int i = 0; i < answers; i++) {
            ByteBuffer rr = ByteBuffer.allocate(16).putShort((short) 0xC00C)  // the name: a pointer to the question
                    .putShort((short) DnsMessage.TYPE_A).putShort((short) DnsMessage.CLASS_IN)
                    .putInt(records.ttl()).putShort((short) 4).put(records.addresses().get(i).getAddress());
            out.writeBytes(rr.array());
        }
        if (authorities == 1) {
            out.writeBytes(soa(name));
        }
        return out.toByteArray();
    }

    /** An SOA record for the last two labels of {@code name} (the zone), with negative TTL {@link #NEGATIVE_TTL}. */
    private static byte[] soa(String name) {
        String[] labels = name.split("\\.");
        String zone = labels.length >= 2 ? labels[labels.length - 2] + "." + labels[labels.length - 1] : name;
        byte[] zoneName = encodeName(zone);
        byte[] mname = encodeName("ns." + zone);
        byte[] rname = encodeName("hostmaster." + zone);
        ByteBuffer rr = ByteBuffer.allocate(zoneName.length + 10 + mname.length + rname.length + 20);
        rr.put(zoneName).putShort((short) DnsMessage.TYPE_SOA).putShort((short) DnsMessage.CLASS_IN)
                .putInt(3600).putShort((short) (mname.length + rname.length + 20)).put(mname).put(rname)
                .putInt(2026112801).putInt(7200).putInt(900).putInt(604800).putInt(NEGATIVE_TTL);
        return rr.array();
    }

    private static byte[] encodeName(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        out.write(0);
        return out.toByteArray();
    }

    private static String readName(ByteBuffer in) {
        StringBuilder name = new StringBuilder();
        int len;
        while ((len = in.get() & 0xFF) != 0) {
            byte[] label = new byte[len];
            in.get(label);
            name.append(name.isEmpty() ? "" : ".").append(new String(label, StandardCharsets.US_ASCII));
        }
        return name.toString();
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
