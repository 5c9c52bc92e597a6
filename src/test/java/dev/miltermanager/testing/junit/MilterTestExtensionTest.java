package dev.miltermanager.testing.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.MilterKit;
import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSession;
import dev.miltermanager.testing.MtaSessionException;
import dev.miltermanager.testing.MtaSimulator;
import dev.miltermanager.transport.ConnectionSpec;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@MilterTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MilterTestExtensionTest {
    private static ConnectionSpec leftOpen;

    /** The documented example: the second milter of a chain must see the header the first one added. */
    @Test
    @Order(1)
    void theSecondMilterOfAChainSeesTheFirstOnesHeader(MilterKit kit) {
        FakeMilter signer = kit.fakeMilter(b -> b.actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Signed", "yes")));
        FakeMilter checker = kit.fakeMilter(b -> b.actions(Action.ADD_HEADERS)
                .edits(message -> List.of(new Response.AddHeader("X-Checked",
                        message.header("X-Signed").isPresent() ? "signed" : "unsigned"))));
        MilterManager manager = kit.manager(MilterManagerConfig.builder()
                .addChild(ChildConfig.of("signer", signer.connectionSpec()))
                .addChild(ChildConfig.of("checker", checker.connectionSpec())).build());

        MilterResult result = kit.open(manager).send(kit.message().build());

        result.assertThat().isDelivered().hasHeader("X-Signed", "yes").hasHeader("X-Checked", "signed");
        leftOpen = signer.connectionSpec();
    }

    @Test
    @Order(2)
    void whatTheLastTestStartedIsClosed(MtaSimulator mta) {
        assertThrows(MtaSessionException.class, () -> mta.open(leftOpen));
    }

    @Test
    @Order(3)
    void injectsAStartedFakeMilterAndAPostfixSimulator(FakeMilter milter, MtaSimulator mta, MilterKit kit) {
        assertEquals(MtaProfile.POSTFIX, mta.profile());
        mta.run(milter.connectionSpec(), kit.message().build()).assertThat().isDelivered();
    }

    @Test
    @Order(4)
    @MilterTest(profile = MtaProfile.SENDMAIL)
    void theMethodsProfileWins(MilterKit kit) {
        assertEquals(MtaProfile.SENDMAIL, kit.simulator().profile());
        FakeMilter rejecting = kit.fakeMilter(b -> b.reply(Stage.MAIL, FakeReply.REJECT));
        MtaSession session = kit.open(rejecting.connectionSpec());
        session.send(kit.message().build()).assertThat().hasStatusAt(Status.REJECT, Stage.MAIL);
    }
}
