package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MilterSpecTest {

    @Test
    void defaultsAskForEveryEventAndNothingElse() {
        MilterSpec spec = MilterSpec.defaults();
        assertEquals(6, spec.version());
        assertEquals(Set.of(Stage.values()), spec.events());
        assertEquals(0, spec.protocolBits());
        assertEquals(0, spec.actionBits());
    }

    @Test
    void endOfMessageIsAlwaysAnEvent() {
        assertTrue(MilterSpec.builder().events(Stage.HELO).build().events().contains(Stage.EOM));
    }

    @Test
    void macrosImplySetMacroListAndDuplicatesAreDropped() {
        MilterSpec spec = MilterSpec.builder().actions(Action.QUARANTINE).macros(MacroStage.HELO, "a", "b", "a")
                .macros(MacroStage.DATA).build();
        assertEquals(Action.QUARANTINE.bit() | Action.SET_MACRO_LIST.bit(), spec.actionBits());
        assertEquals(Map.of(MacroStage.HELO, List.of("a", "b")), spec.macros());
    }

    @Test
    void invalidDeclarationsAreRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.builder().version(1).build());
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.builder().version(7).build());
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.builder().noReply(Stage.EOM).build());
        IllegalArgumentException stray = assertThrows(IllegalArgumentException.class,
                () -> MilterSpec.builder().events(Stage.HELO).noReply(Stage.RCPT).build());
        assertTrue(stray.getMessage().contains("RCPT"), stray.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.builder().dataSize(ProtocolFlag.SKIP));
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.builder().macros(MacroStage.EOM, "a b").build());
        assertThrows(IllegalArgumentException.class, () -> new MilterSpec(6, Set.of(), Set.of(), Set.of(),
                Set.of(ProtocolFlag.NO_HELO), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new MilterSpec(6, Set.of(), Set.of(), Set.of(),
                Set.of(ProtocolFlag.MDS_1M, ProtocolFlag.MDS_256K), Map.of()));
    }

    @Test
    void theLastDataSizeWins() {
        MilterSpec spec = MilterSpec.builder().dataSize(ProtocolFlag.MDS_1M).dataSize(ProtocolFlag.MDS_256K).build();
        assertEquals(Set.of(ProtocolFlag.MDS_256K), spec.abilities());
    }
}
