package dev.miltermanager.manager;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A milter in a process of its own, for {@link ChildAutoStartTest}: {@code StartableMilter SOCKET COUNTER} appends its
 * pid to {@code COUNTER} (so the test can count starts and stop it), listens on the Unix socket {@code SOCKET}, adds
 * {@code X-Started: yes} at end of message, and runs until killed.
 */
public final class StartableMilter {

    private StartableMilter() {
    }

    public static void main(String[] args) throws Exception {
        Files.writeString(Path.of(args[1]), ProcessHandle.current().pid() + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        MilterServer server = MilterServer.create(ConnectionSpec.unix(Path.of(args[0])),
                MilterSpec.builder().actions(Action.ADD_HEADERS).build(), ctx -> new Milter() {
                    @Override
                    public Response.Decision endOfMessage(MessageEditor editor) {
                        editor.addHeader("X-Started", "yes");
                        return Verdict.CONTINUE;
                    }
                });
        server.start();
        System.out.println("StartableMilter listening on " + args[0]);
        Thread.sleep(Long.MAX_VALUE);
    }
}
