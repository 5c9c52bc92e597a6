package dev.miltermanager.transport;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The file side of a listening Unix-domain socket: checks before binding, mode and group after, removal at the
 * end. Used by one thread during open, then once more at close.
 */
final class UnixSocketFile {
    private static final System.Logger LOG = System.getLogger(Listener.class.getName());
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int FILE_TYPE_BITS = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private final ConnectionSpec.Unix spec;
    private final Path path;
    private final ListenOptions options;
    private GroupPrincipal group;
    private Object fileKey;

    UnixSocketFile(ConnectionSpec.Unix spec, ListenOptions options) {
        this.spec = spec;
        this.path = spec.path();
        this.options = options;
    }

    /** Before binding: the directory must exist, the group must exist, and the path must be free or freeable. */
    void prepare() throws IOException {
        Path directory = path.toAbsolutePath().getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "cannot listen on " + spec
                    + ": the socket's directory does not exist");
        }
        if (options.unixSocketGroup().isPresent()) {
            group = lookUpGroup(options.unixSocketGroup().get());
        }
        if (Files.exists(path, NOFOLLOW)) {
            clearExistingFile();
        }
    }

    /** After binding: mode, group, and the file's identity (so close removes only our own file). */
    void configure() throws IOException {
        try {
            Files.setPosixFilePermissions(path, permissions(options.unixSocketMode()));
        } catch (UnsupportedOperationException e) {
            LOG.log(Level.WARNING, () -> "the file system of " + path + " has no POSIX permissions; the mode 0"
                    + Integer.toOctalString(options.unixSocketMode()) + " is not applied");
        }
        if (group != null) {
            Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW).setGroup(group);
        }
        fileKey = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey();
    }

    /** At close, or after a failed open: removes the file if configured and it is still ours. */
    void remove(boolean evenIfKept) {
        if (!evenIfKept && !options.removeUnixSocketOnClose()) {
            return;
        }
        try {
            Object current = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey();
            if (fileKey != null && !Objects.equals(fileKey, current)) {
                LOG.log(Level.INFO, () -> path + " was replaced by another file; leaving it in place");
                return;
            }
            Files.delete(path);
            LOG.log(Level.DEBUG, () -> "removed the socket " + path);
        } catch (NoSuchFileException gone) {
            // someone else removed it already: nothing to do
        } catch (IOException e) {
            LOG.log(Level.WARNING, () -> "cannot remove the socket " + path + ": " + e.getMessage(), e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            // the enum runs OWNER_READ (0400) ... OTHERS_EXECUTE (0001)
            if ((mode & (0400 >> permission.ordinal())) != 0) {
                permissions.add(permission);
            }
        }
        return permissions;
    }

    private GroupPrincipal lookUpGroup(String name) throws IOException {
        try {
            return path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("cannot listen on " + spec + ": the unix socket group \"" + name
                    + "\" does not exist", e);
        }
    }

    private void clearExistingFile() throws IOException {
        if (!isSocket()) {
            throw new FileAlreadyExistsException(path.toString(), null, "cannot listen on " + spec
                    + ": the path exists and is not a socket; it is not removed");
        }
        if (isAccepting()) {
            throw new BindException("cannot listen on " + spec
                    + ": the socket is already in use (something accepts connections on it)");
        }
        if (!options.removeUnixSocketOnCreate()) {
            throw new BindException("cannot listen on " + spec + ": a stale socket file is in the way and"
                    + " removing it on create is turned off");
        }
        Files.delete(path);
        LOG.log(Level.INFO, () -> "removed the stale socket " + path + " (nothing accepted connections on it)");
    }

    private boolean isSocket() throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW);
            return (mode & FILE_TYPE_BITS) == SOCKET_TYPE;
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).isOther();
        }
    }

    /** Probes the socket with a non-blocking connect: refused means stale, anything else means "leave it". */
    private boolean isAccepting() throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(spec.toSocketAddress()); // true, or pending: either way a listener is there
            return true;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            throw new BindException("cannot listen on " + spec + ": the socket exists and probing it failed ("
                    + e.getMessage() + "); it is not removed");
        }
    }
}
