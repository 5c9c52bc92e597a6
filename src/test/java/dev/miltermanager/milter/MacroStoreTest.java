package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.MacroStage;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MacroStoreTest {

    @Test
    void theLatestStageWinsInWireNumberingSoEndOfHeadersBeforeEndOfMessage() {
        MacroStore store = new MacroStore();
        store.put(MacroStage.CONNECT, Map.of("x", "connect"));
        store.put(MacroStage.EOM, Map.of("x", "eom"));
        store.put(MacroStage.EOH, Map.of("x", "eoh"));
        assertEquals(Optional.of("eoh"), store.lookup("x"));
        assertEquals("eoh", store.merged().get("x"));
    }

    @Test
    void oneLetterNamesMatchWithOrWithoutBraces() {
        MacroStore store = new MacroStore();
        store.put(MacroStage.CONNECT, Map.of("{j}", "host", "i", "Q1", "{daemon_name}", "smtpd"));
        assertEquals(Optional.of("host"), store.lookup("j"));
        assertEquals(Optional.of("Q1"), store.lookup("{i}"));
        assertEquals(Optional.of("smtpd"), store.lookup("{daemon_name}"));
        assertEquals(Optional.empty(), store.lookup("daemon_name"));
        assertEquals(Optional.empty(), store.lookup(""));
    }

    @Test
    void clearingAfterAStageKeepsItAndEverythingBefore() {
        MacroStore store = new MacroStore();
        for (MacroStage stage : MacroStage.values()) {
            store.put(stage, Map.of(stage.name(), "v"));
        }
        store.clearAfter(MacroStage.ENVFROM);
        assertEquals(Map.of("CONNECT", "v", "HELO", "v", "ENVFROM", "v"), store.merged());
        store.put(MacroStage.ENVFROM, Map.of("new", "1"));
        assertEquals(Map.of("new", "1"), store.stage(MacroStage.ENVFROM), "a stage's macros replace its old ones");
    }
}
