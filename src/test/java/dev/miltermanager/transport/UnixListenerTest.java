package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // resources opened only for their side effects
class UnixListenerTest {
    @TempDir
    Path dir;

    private ConnectionSpec.Unix spec(String name) {
        return ConnectionSpec.unix(dir.resolve(name));
    }

    @Test
    void listensAndConnectsOverAUnixSocket() throws IOException {
        try (Listener listener = Listener.open(spec("m.sock"))) {
            assertEquals(spec("m.sock"), listener.localSpec());
            assertTrue(isSocket(dir.resolve("m.sock")));
            TcpListenerTest.assertExchangesBytes(listener);
        }
    }

    @Test
    void socketFileGetsTheDefaultMode0660() throws IOException {
        try (Listener listener = Listener.open(spec("m.sock"))) {
            assertEquals(0660, modeBits(dir.resolve("m.sock")));
        }
    }

    @Test
    void socketFileGetsTheConfiguredMode() throws IOException {
        try (Listener listener = Listener.open(spec("m.sock"), ListenOptions.DEFAULTS.withUnixSocketMode(0600))) {
            assertEquals(0600, modeBits(dir.resolve("m.sock")));
        }
    }

    @Test
    void socketFileGetsTheConfiguredGroup() throws IOException {
        String group = existingGroupOtherThanMine();
        try (Listener listener = Listener.open(spec("m.sock"), ListenOptions.DEFAULTS.withUnixSocketGroup(group))) {
            GroupPrincipal actual = Files.readAttributes(dir.resolve("m.sock"), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).group();
            assertEquals(group, actual.getName());
        }
    }

    @Test
    void socketFileCanBeGivenTheRootGroup() throws IOException {
        try (Listener listener = Listener.open(spec("m.sock"), ListenOptions.DEFAULTS.withUnixSocketGroup("root"))) {
            assertEquals("root", Files.readAttributes(dir.resolve("m.sock"), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).group().getName());
        }
    }

    @Test
    void missingGroupIsAClearErrorAndNoSocketIsLeft() {
        var options = ListenOptions.DEFAULTS.withUnixSocketGroup("no-such-group-mm");
        var e = assertThrows(IOException.class, () -> Listener.open(spec("m.sock"), options));
        assertEquals("cannot listen on " + spec("m.sock") + ": the unix socket group \"no-such-group-mm\" does not exist",
                e.getMessage());
        assertInstanceOf(UserPrincipalNotFoundException.class, e.getCause());
        assertFalse(Files.exists(dir.resolve("m.sock"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void staleSocketIsRemovedOnCreate() throws IOException {
        Path path = dir.resolve("m.sock");
        leaveStaleSocket(path);
        try (Listener listener = Listener.open(ConnectionSpec.unix(path))) {
            TcpListenerTest.assertExchangesBytes(listener);
        }
    }

    @Test
    void staleSocketIsKeptWhenRemovalOnCreateIsOff() throws IOException {
        Path path = dir.resolve("m.sock");
        leaveStaleSocket(path);
        var options = ListenOptions.DEFAULTS.withRemoveUnixSocketOnCreate(false);
        var e = assertThrows(BindException.class, () -> Listener.open(ConnectionSpec.unix(path), options));
        assertTrue(e.getMessage().contains("a stale socket file is in the way"), e.getMessage());
        assertTrue(isSocket(path));
    }

    @Test
    void liveSocketIsNotRemovedAndIsReportedInUse() throws IOException {
        try (Listener first = Listener.open(spec("m.sock"))) {
            var e = assertThrows(BindException.class, () -> Listener.open(spec("m.sock")));
            assertEquals("cannot listen on " + spec("m.sock")
                    + ": the socket is already in use (something accepts connections on it)", e.getMessage());
            try (Connection probe = Connection.of(first.accept())) {
                assertEquals(-1, probe.input().read(), "the liveness probe connects and hangs up at once");
            }
            TcpListenerTest.assertExchangesBytes(first); // the first listener still owns its socket
        }
    }

    @Test
    void fileThatIsNotASocketIsNeverRemoved() throws IOException {
        Path path = Files.writeString(dir.resolve("m.sock"), "precious");
        var e = assertThrows(FileAlreadyExistsException.class, () -> Listener.open(ConnectionSpec.unix(path)));
        assertTrue(e.getMessage().contains("the path exists and is not a socket; it is not removed"), e.getMessage());
        assertEquals("precious", Files.readString(path));
    }

    @Test
    void missingDirectoryIsAClearError() {
        ConnectionSpec.Unix spec = ConnectionSpec.unix(dir.resolve("missing/m.sock"));
        var e = assertThrows(NoSuchFileException.class, () -> Listener.open(spec));
        assertTrue(e.getMessage().contains(dir.resolve("missing").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("cannot listen on " + spec + ": the socket's directory does not exist"),
                e.getMessage());
    }

    @Test
    void socketFileIsRemovedOnClose() throws IOException {
        Listener listener = Listener.open(spec("m.sock"));
        listener.close();
        assertFalse(Files.exists(dir.resolve("m.sock"), LinkOption.NOFOLLOW_LINKS));
        listener.close(); // idempotent
    }

    @Test
    void socketFileIsKeptOnCloseWhenConfigured() throws IOException {
        Listener listener = Listener.open(spec("m.sock"), ListenOptions.DEFAULTS.withRemoveUnixSocketOnClose(false));
        listener.close();
        assertTrue(isSocket(dir.resolve("m.sock")));
    }

    @Test
    void closeLeavesAFileThatReplacedOurSocket() throws IOException {
        Path path = dir.resolve("m.sock");
        Listener listener = Listener.open(ConnectionSpec.unix(path));
        Files.delete(path);
        Files.writeString(path, "someone else's");
        listener.close();
        assertEquals("someone else's", Files.readString(path));
    }

    @Test
    void tooLongPathIsAnErrorNamingTheSpec() {
        ConnectionSpec.Unix spec = ConnectionSpec.unix(dir.resolve("x".repeat(200)));
        var e = assertThrows(IOException.class, () -> Listener.open(spec));
        assertTrue(e.getMessage().startsWith("cannot listen on " + spec + ": "), e.getMessage());
    }

    private static void leaveStaleSocket(Path path) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
        } // the JDK leaves the file behind on close, like a crashed process would
        assertTrue(isSocket(path));
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000;
    }

    private static int modeBits(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** A group that exists here and is not the test process's own, so the change is visible. */
    private String existingGroupOtherThanMine() throws IOException {
        Path probe = Files.createFile(dir.resolve("probe"));
        String mine = Files.readAttributes(probe, PosixFileAttributes.class).group().getName();
        var lookup = probe.getFileSystem().getUserPrincipalLookupService();
        for (String candidate : List.of("daemon", "nogroup", "users", "bin", "mail", "adm")) {
            if (candidate.equals(mine)) {
                continue;
            }
            try {
                lookup.lookupPrincipalByGroupName(candidate);
                return candidate;
            } catch (UserPrincipalNotFoundException absent) {
                // try the next one
            }
        }
        Assumptions.abort("skipped: no group other than " + mine + " exists on this machine");
        return null;
    }
}
