package dev.miltermanager.client;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.util.List;
import java.util.function.Consumer;

/**
 * A milter living in the same process, reached without a socket: it takes each command the client sends and hands
 * back the responses due, as a milter on a socket would write them. A manager's in-process session fits:
 * {@code (command, out) -> session.handle(command, out::accept)}.
 *
 * <p>Called on the client's thread, one command at a time, in the order sent.
 */
@FunctionalInterface
public interface InProcessMilter {

    /**
     * Handles one command and passes the responses due (none for commands that expect none) to {@code responses},
     * in one or more calls, before returning.
     */
    void handle(Command command, Consumer<List<Response>> responses);
}
