package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** How often each condition stopped a child, counted under the condition's name ({@code ChildStatistics.stops}). */
class ConditionStopsScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private static final ApplicabilityPolicy NOT_FOR_POSTMASTER = ctx -> !(ctx.event() instanceof Command.Recipient r
            && r.recipient().startsWith("<postmaster@"));
    private static final ApplicabilityPolicy NOT_FROM_LISTS = ctx -> !(ctx.event() instanceof Command.MailFrom m
            && m.sender().startsWith("<list@"));

    @Test
    void eachStopIsCountedUnderTheFirstConditionThatStoppedTheChild() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        ApplicabilityPolicy alsoNotForPostmaster = NOT_FOR_POSTMASTER;
        MilterManager manager = fx.manager(child("a", a).addCondition("No Lists", NOT_FROM_LISTS)
                .addCondition("No Postmaster", NOT_FOR_POSTMASTER).addCondition(alsoNotForPostmaster).build());
        Mta mta = fx.inProcess(manager);
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<list@example.org>");
        mta.abort();
        mta.mail("<alice@example.org>");
        mta.rcpt("<postmaster@example.net>");
        mta.rcpt("<bob@example.net>");
        mta.rcpt("<postmaster@example.com>");
        mta.quit();
        ended(a.takeSession(FanOutFixture.WAIT));

        ChildStatistics stats = manager.statistics().children().get("a");
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("No Lists", 1L);
        expected.put("No Postmaster", 2L);
        expected.put("condition 3", 0L);
        assertEquals(expected, stats.stops());
        assertEquals(2, stats.stops("No Postmaster"));
        assertEquals(0, stats.stops("S25R"));
        assertEquals(List.of("No Lists", "No Postmaster", "condition 3"),
                manager.config().children().getFirst().conditionNames());
    }

    @Test
    void aConditionThatThrowsCountsAsApplyingAndTheNextConditionIsStillAsked() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        ApplicabilityPolicy broken = ctx -> {
            throw new IllegalStateException("broken");
        };
        MilterManager manager = fx.manager(child("a", a).addCondition("Broken", broken)
                .addCondition("No Postmaster", NOT_FOR_POSTMASTER).build());
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            Mta mta = fx.inProcess(manager);
            mta.negotiate();
            mta.connect();
            mta.helo();
            mta.mail("<alice@example.org>");
            mta.rcpt("<postmaster@example.net>");
            mta.rcpt("<bob@example.net>");
            mta.quit();
            assertEquals(List.of("<bob@example.net>"), ended(a.takeSession(FanOutFixture.WAIT)).recipients());
            assertTrue(log.containing("[manager][condition][error] the condition Broken of a failed at connect")
                    .size() == 1, log.messages().toString());
        }
        assertEquals(Map.of("Broken", 0L, "No Postmaster", 1L), manager.statistics().children().get("a").stops());
    }

    @Test
    void aStopAtConnectCountsOncePerConnection() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("a", a).addCondition("Never", ctx -> ctx.stage() != Stage.CONNECT)
                .build());
        for (int i = 0; i < 3; i++) {
            Mta mta = fx.inProcess(manager);
            mta.negotiate();
            mta.connect();
            mta.helo();
            mta.mail("<alice@example.org>");
            mta.quit();
        }
        assertEquals(3, manager.statistics().children().get("a").stops("Never"));
    }
}
