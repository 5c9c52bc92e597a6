package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.function.Function;

/** What a session needs of its manager. */
interface ManagerRuntime {

    MilterManagerConfig config();

    ManagerStatistics statistics();

    int activeSessions();

    /**
     * Calls {@code call} for every child at once (one worker each) and returns the results in the same order: for
     * connecting, which may block for long; events use {@link ChildSession#exchange} on the session's thread.
     */
    <T> List<T> fanOut(List<ChildSession> children, Function<ChildSession, T> call);

    /** Whether the child's conditions apply it at this event; a condition that throws counts as "apply". */
    boolean applies(ChildSession child, Stage stage, Command event, SessionState state);

    void sessionClosed(FanOutSession session);

    /** The child connections kept between sessions. */
    ChildConnections connections();
}
