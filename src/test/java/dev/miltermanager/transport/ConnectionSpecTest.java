package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionSpecTest {

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            inet:10025                      | inet:10025
            inet:10025@localhost            | inet:10025@localhost
            inet:10025@mail.example.org     | inet:10025@mail.example.org
            inet:10025@[127.0.0.1]          | inet:10025@[127.0.0.1]
            inet:10025@127.0.0.1            | inet:10025@[127.0.0.1]
            INET:0@[10.0.0.255]             | inet:0@[10.0.0.255]
            inet:65535@[0.0.0.0]            | inet:65535@[0.0.0.0]
            inet6:10025                     | inet6:10025
            inet6:10025@localhost           | inet6:10025@localhost
            inet6:10025@[::1]               | inet6:10025@[::1]
            inet6:10025@::1                 | inet6:10025@[::1]
            inet6:10025@[0:0:0:0:0:0:0:1]   | inet6:10025@[::1]
            inet6:25@[2001:DB8:0:0:1:0:0:1] | inet6:25@[2001:db8::1:0:0:1]
            inet6:25@[fe80::1%lo]           | inet6:25@[fe80::1%lo]
            inet6:25@[::ffff:192.0.2.1]     | inet6:25@[::ffff:192.0.2.1]
            inet:localhost:10025            | inet:10025@localhost
            inet:[127.0.0.1]:10025          | inet:10025@[127.0.0.1]
            inet:127.0.0.1:10025            | inet:10025@[127.0.0.1]
            inet:[::1]:10025                | inet6:10025@[::1]
            unix:/run/milter/manager.sock   | unix:/run/milter/manager.sock
            local:/run/milter/manager.sock  | unix:/run/milter/manager.sock
            unix:relative/manager.sock      | unix:relative/manager.sock
            Local:/tmp/a.sock               | unix:/tmp/a.sock
            """)
    void everySpellingParsesToItsCanonicalFormWhichParsesBackEqual(String text, String canonical) {
        ConnectionSpec spec = ConnectionSpec.parse(text);
        assertEquals(canonical, spec.toString());
        assertEquals(spec, ConnectionSpec.parse(spec.toString()));
    }

    @Test
    void inetSpecKeepsFamilyHostAndPort() {
        ConnectionSpec spec = ConnectionSpec.parse("inet:10025@mail.example.org");
        assertEquals(new ConnectionSpec.Inet(StandardProtocolFamily.INET, Optional.of("mail.example.org"), 10025), spec);
        assertEquals(StandardProtocolFamily.INET, spec.family());
    }

    @Test
    void inetWithoutHostMeansAllInterfaces() {
        var spec = assertInstanceOf(ConnectionSpec.Inet.class, ConnectionSpec.parse("inet6:25"));
        assertEquals(Optional.empty(), spec.host());
        assertEquals(StandardProtocolFamily.INET6, spec.family());
    }

    @Test
    void localIsTheSameAsUnix() {
        assertEquals(ConnectionSpec.parse("unix:/tmp/x.sock"), ConnectionSpec.parse("local:/tmp/x.sock"));
        assertEquals(ConnectionSpec.unix(Path.of("/tmp/x.sock")), ConnectionSpec.parse("local:/tmp/x.sock"));
    }

    @Test
    void factoriesEqualParsedSpecs() {
        assertEquals(ConnectionSpec.parse("inet:25@[127.0.0.1]"), ConnectionSpec.inet("127.0.0.1", 25));
        assertEquals(ConnectionSpec.parse("inet6:25@[::1]"), ConnectionSpec.inet6("0::1", 25));
        assertEquals(ConnectionSpec.parse("inet:25"), ConnectionSpec.inet(null, 25));
    }

    @Test
    void withPortKeepsTheRest() {
        assertEquals(ConnectionSpec.parse("inet6:4321@[::1]"), ConnectionSpec.inet6("::1", 0).withPort(4321));
    }

    @Test
    void socketAddressOfEachKind() throws UnknownHostException {
        var ipv4 = (InetSocketAddress) ConnectionSpec.parse("inet:10025@[127.0.0.1]").toSocketAddress();
        assertEquals("127.0.0.1", ipv4.getAddress().getHostAddress());
        assertEquals(10025, ipv4.getPort());

        var anyIpv4 = (InetSocketAddress) ConnectionSpec.parse("inet:25").toSocketAddress();
        assertInstanceOf(Inet4Address.class, anyIpv4.getAddress());
        assertTrue(anyIpv4.getAddress().isAnyLocalAddress());

        var anyIpv6 = (InetSocketAddress) ConnectionSpec.parse("inet6:25").toSocketAddress();
        assertInstanceOf(Inet6Address.class, anyIpv6.getAddress());
        assertTrue(anyIpv6.getAddress().isAnyLocalAddress());

        var ipv6 = (InetSocketAddress) ConnectionSpec.parse("inet6:25@[::1]").toSocketAddress();
        assertTrue(ipv6.getAddress().isLoopbackAddress());

        var named = (InetSocketAddress) ConnectionSpec.parse("inet:25@localhost").toSocketAddress();
        assertInstanceOf(Inet4Address.class, named.getAddress());

        assertEquals(UnixDomainSocketAddress.of("/tmp/x.sock"), ConnectionSpec.parse("unix:/tmp/x.sock").toSocketAddress());
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            ''                           | it is empty                                   | unix:PATH
            /run/milter.sock             | it has no scheme                              | inet:PORT[@HOST]
            tcp:10025                    | unknown scheme "tcp"                          | inet6:PORT[@HOST]
            inet:                        | the port is missing                           | inet:PORT@HOST
            inet:@localhost              | the port is missing                           | inet:PORT@[IPV4-ADDRESS]
            inet:port@localhost          | the port "port" is not a number from 0 to 65535 | inet:PORT@HOST
            inet:65536                   | the port "65536" is not a number from 0 to 65535 | inet:PORT
            inet:-1                      | the port "-1" is not a number               | inet:PORT
            inet:+25                     | the port "+25" is not a number              | inet:PORT
            inet:100000000000            | the port "100000000000" is not a number     | inet:PORT
            inet:25@                     | the host after '@' is empty                   | inet:PORT@HOST
            inet:25@[127.0.0.1           | unbalanced brackets in "[127.0.0.1"           | inet:PORT@[IPV4-ADDRESS]
            inet:25@127.0.0.1]           | unbalanced brackets in "127.0.0.1]"           | inet:PORT@[IPV4-ADDRESS]
            inet:25@[]                   | the address between the brackets is empty     | inet:PORT@[IPV4-ADDRESS]
            inet:25@[localhost]          | "localhost" in brackets is not an IPv4 address | inet:PORT@[IPV4-ADDRESS]
            inet:25@[::1]                | ::1 is an IPv6 address; write it as inet6:PORT@[::1] | inet:PORT
            inet:25@[256.0.0.1]          | "256.0.0.1" in brackets is not an IPv4 address | inet:PORT
            inet:25@127.0.0.01           | 127.0.0.01 is not a valid IPv4 address        | inet:PORT
            inet:25@1.2.3                | 1.2.3 is not a valid IPv4 address             | inet:PORT
            inet:25@bad host             | "bad host" is neither a host name nor an address | inet:PORT@HOST
            inet:25@a@b                  | "a@b" is neither a host name nor an address   | inet:PORT@HOST
            inet:localhost:              | the port is missing                           | inet:PORT@HOST
            inet::25                     | the host before the port is empty             | inet:PORT@HOST
            inet6:                       | the port is missing                           | inet6:PORT@[IPV6-ADDRESS]
            inet6:25@[127.0.0.1]         | 127.0.0.1 is an IPv4 address; write it as inet:PORT@[127.0.0.1] | inet6:PORT
            inet6:25@[localhost]         | "localhost" in brackets is not an IPv6 address | inet6:PORT@[IPV6-ADDRESS]
            inet6:25@[::1                | unbalanced brackets in "[::1"                 | inet6:PORT@[IPV6-ADDRESS]
            inet6:25@[1:2:3:4:5:6:7:8:9] | "1:2:3:4:5:6:7:8:9" in brackets is not an IPv6 address | inet6:PORT
            inet6:25@::g                 | ::g is not a valid IPv6 address               | inet6:PORT
            inet6:localhost:25           | the port "localhost:25" is not a number       | inet6:PORT
            unix:                        | the socket path is empty                      | unix:PATH or local:PATH
            local:                       | the socket path is empty                      | unix:PATH or local:PATH
            """)
    void badSpecIsRejectedWithAMessageQuotingItAndSayingWhatIsExpected(String text, String reason, String expected) {
        var e = assertThrows(InvalidConnectionSpecException.class, () -> ConnectionSpec.parse(text));
        assertTrue(e.getMessage().startsWith("invalid connection spec \"" + text + "\": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), () -> "reason \"" + reason + "\" missing in: " + e.getMessage());
        assertTrue(e.getMessage().contains("; expected "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "\"" + expected + "\" missing in: " + e.getMessage());
        assertEquals(text, e.spec());
        assertTrue(e.reason().contains(reason), e.reason());
    }

    @Test
    void badSpecIsAnIllegalArgumentException() {
        assertInstanceOf(IllegalArgumentException.class,
                assertThrows(RuntimeException.class, () -> ConnectionSpec.parse("inet:x")));
    }

    @Test
    void pathWithNulIsRejected() {
        var e = assertThrows(InvalidConnectionSpecException.class, () -> ConnectionSpec.parse("unix:/tmp/a\0b"));
        assertTrue(e.getMessage().contains("the socket path is not valid"), e.getMessage());
    }

    @Test
    void recordsValidateWhenBuiltDirectly() {
        assertThrows(IllegalArgumentException.class, () -> ConnectionSpec.inet(null, 70000));
        assertThrows(IllegalArgumentException.class, () -> ConnectionSpec.inet("::1", 25));
        assertThrows(IllegalArgumentException.class,
                () -> new ConnectionSpec.Inet(StandardProtocolFamily.UNIX, Optional.empty(), 25));
        assertThrows(IllegalArgumentException.class, () -> ConnectionSpec.unix(Path.of("")));
    }
}
