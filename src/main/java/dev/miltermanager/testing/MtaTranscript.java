package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.util.Map;

/** The simulated MTA's side of a session as text lines with times since the start. One session thread. */
final class MtaTranscript {
    private final long start = System.nanoTime();
    private final StringBuilder text = new StringBuilder();

    void mta(Command command, Map<String, String> macros) {
        if (!macros.isEmpty()) {
            line("MTA   ", "D" + command.code() + " " + Texts.escape(macros.toString()));
        }
        line("MTA   ", Texts.describe(command));
    }

    void milter(Response response) {
        line("milter", Texts.describe(response));
    }

    void note(String note) {
        line("      ", note);
    }

    private void line(String who, String what) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        text.append(String.format("%7dms %s %s%n", ms, who, what));
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
