package dev.miltermanager.transport;

import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Listener} sets up its socket. The Unix-socket items mirror the reference's
 * {@code manager.unix_socket_mode}, {@code manager.unix_socket_group},
 * {@code manager.remove_unix_socket_on_create} and {@code manager.remove_unix_socket_on_close}; they are ignored
 * for TCP specs. Immutable; start from {@link #DEFAULTS} and change items with the {@code with...} methods.
 * {@snippet :
 * ListenOptions options = ListenOptions.DEFAULTS.withUnixSocketMode(0660).withUnixSocketGroup("postfix");
 * }
 *
 * @param backlog how many connections the kernel queues before they are accepted; at least 1
 * @param unixSocketMode permission bits of the socket file, an octal value from 0 to 0777 such as {@code 0660}
 * @param unixSocketGroup the group the socket file is given after creation; empty keeps the creator's group
 * @param removeUnixSocketOnCreate whether a stale socket file (nothing accepts on it) is removed before binding
 * @param removeUnixSocketOnClose whether the socket file is removed when the listener closes
 */
public record ListenOptions(int backlog, int unixSocketMode, Optional<String> unixSocketGroup,
                            boolean removeUnixSocketOnCreate, boolean removeUnixSocketOnClose) {

    /** Connections queued by the kernel before {@code accept}: the traditional {@code SOMAXCONN}. */
    public static final int DEFAULT_BACKLOG = 128;
    /** Owner and group may connect, others may not (the reference's default). */
    public static final int DEFAULT_UNIX_SOCKET_MODE = 0660;
    /** A stale socket left by a crashed process is replaced. */
    public static final boolean DEFAULT_REMOVE_UNIX_SOCKET_ON_CREATE = true;
    /** The socket file goes away with the listener. */
    public static final boolean DEFAULT_REMOVE_UNIX_SOCKET_ON_CLOSE = true;
    /** All defaults, no group change. */
    public static final ListenOptions DEFAULTS = new ListenOptions(DEFAULT_BACKLOG, DEFAULT_UNIX_SOCKET_MODE,
            Optional.empty(), DEFAULT_REMOVE_UNIX_SOCKET_ON_CREATE, DEFAULT_REMOVE_UNIX_SOCKET_ON_CLOSE);

    /** @throws IllegalArgumentException for a backlog below 1, a mode outside 0..0777 or a blank group name */
    public ListenOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("the backlog must be at least 1, not " + backlog);
        }
        if (unixSocketMode < 0 || unixSocketMode > 0777) {
            throw new IllegalArgumentException("the unix socket mode must be an octal value from 0 to 0777, not 0"
                    + Integer.toOctalString(unixSocketMode));
        }
        Objects.requireNonNull(unixSocketGroup, "unixSocketGroup");
        if (unixSocketGroup.isPresent() && unixSocketGroup.get().isBlank()) {
            throw new IllegalArgumentException("the unix socket group name is blank");
        }
    }

    public ListenOptions withBacklog(int newBacklog) {
        return new ListenOptions(newBacklog, unixSocketMode, unixSocketGroup, removeUnixSocketOnCreate,
                removeUnixSocketOnClose);
    }

    /** @param mode permission bits, written in octal in Java source: {@code withUnixSocketMode(0600)} */
    public ListenOptions withUnixSocketMode(int mode) {
        return new ListenOptions(backlog, mode, unixSocketGroup, removeUnixSocketOnCreate, removeUnixSocketOnClose);
    }

    /** @param group a group name, or {@code null} to keep the creator's group */
    public ListenOptions withUnixSocketGroup(String group) {
        return new ListenOptions(backlog, unixSocketMode, Optional.ofNullable(group), removeUnixSocketOnCreate,
                removeUnixSocketOnClose);
    }

    public ListenOptions withRemoveUnixSocketOnCreate(boolean remove) {
        return new ListenOptions(backlog, unixSocketMode, unixSocketGroup, remove, removeUnixSocketOnClose);
    }

    public ListenOptions withRemoveUnixSocketOnClose(boolean remove) {
        return new ListenOptions(backlog, unixSocketMode, unixSocketGroup, removeUnixSocketOnCreate, remove);
    }

    /** Prints the mode in octal, as configuration files write it. */
    @Override
    public String toString() {
        return "ListenOptions[backlog=" + backlog + ", unixSocketMode=0" + Integer.toOctalString(unixSocketMode)
                + ", unixSocketGroup=" + unixSocketGroup.orElse("(unchanged)")
                + ", removeUnixSocketOnCreate=" + removeUnixSocketOnCreate
                + ", removeUnixSocketOnClose=" + removeUnixSocketOnClose + "]";
    }
}
