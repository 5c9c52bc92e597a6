package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * One MTA session through the manager, driven in-process: the commands an MTA would send over the milter protocol
 * go in, the responses it would receive come out. Behaves exactly as a session over a socket (which is built on
 * it).
 *
 * <p><b>Call order</b> is the MTA's: {@link Command.Negotiate} first, then the events with their
 * {@link Command.Macros} before them, {@link Command.Abort} after a message, {@link Command.Quit} at the end.
 * Commands the MTA expects no answer to produce none.
 *
 * <p><b>Thread-safety:</b> one caller at a time (one MTA connection); {@link #close()} may be called from any
 * thread.
 *
 * {@snippet :
 * try (MilterManager manager = MilterManager.create(config);
 *      ManagerSession session = manager.openSession()) {
 *     session.handle(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
 *     session.handle(new Command.Connect("mx.example.org", Command.Family.INET, 25000, "192.0.2.1"));
 *     List<Response> replies = session.handle(new Command.Helo("mx.example.org"));
 * }
 * }
 */
public interface ManagerSession extends AutoCloseable {

    /**
     * Handles one command from the MTA and sends the responses due to {@code sink}, in order.
     *
     * @throws IllegalStateException if the session is closed
     */
    void handle(Command command, ResponseSink sink);

    /** {@link #handle(Command, ResponseSink)} collecting every response into a list. */
    default List<Response> handle(Command command) {
        List<Response> responses = new ArrayList<>();
        handle(command, responses::addAll);
        return responses;
    }

    /** Ends the session: the children are sent QUIT and closed. Idempotent. */
    @Override
    void close();
}
