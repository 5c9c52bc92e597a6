package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions run on virtual threads: nothing they do may pin the carrier (JFR's jdk.VirtualThreadPinned). */
class NoPinningTest {

    @Test
    void sessionsNeverPinTheirVirtualThreads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sessions.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            try (ServerFixture f = new ServerFixture(MilterSpec.builder().actions(Action.values()).build())) {
                f.script.endOfMessage = (editor, e) -> {
                    editor.progress();
                    editor.addHeader("X-Pinned", "no");
                    editor.replaceBody(new byte[100_000]);
                    return Verdict.CONTINUE;
                };
                for (int i = 0; i < 20; i++) {
                    MtaDriver mta = f.connectAndHelo();
                    mta.ask(StateMachineTest.M);
                    mta.ask(StateMachineTest.R);
                    mta.send(StateMachineTest.E);
                    mta.untilDecision();
                    mta.send(StateMachineTest.Q);
                }
            }
            recording.stop();
            recording.dump(file);
        }
        List<String> pinned = RecordingFile.readAllEvents(file).stream()
                .filter(NoPinningTest::onMilterThread)
                .map(e -> e.getThread("eventThread").getJavaName() + " " + e.getStackTrace())
                .toList();
        assertEquals(List.of(), pinned);
    }

    private static boolean onMilterThread(RecordedEvent event) {
        RecordedThread thread = event.getThread("eventThread");
        return thread != null && thread.getJavaName() != null && thread.getJavaName().startsWith("milter-");
    }
}
