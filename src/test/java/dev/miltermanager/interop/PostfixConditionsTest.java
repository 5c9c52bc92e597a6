package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Built-in conditions against a real Postfix in front of the manager: what Postfix really sends (the client as
 * {@code [ADDR]} without a PTR lookup, {@code {daemon_addr}}/{@code {daemon_port}}, no queue id at MAIL) and its
 * real {@code master.cf}.
 */
class PostfixConditionsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void s25rRemoteNetworkAndSendmailCompatibleOnWhatPostfixSends() throws Exception {
        ConditionCatalog catalog = ConditionCatalog.load(List.of());
        try (FakeMilter old = FakeMilter.builder().start();
             FakeMilter greylist = FakeMilter.builder().start();
             FakeMilter spam = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                     .addChild(child("old", old, catalog, "Sendmail Compatible"))
                     .addChild(child("greylist", greylist, catalog, "S25R"))
                     .addChild(child("spam", spam, catalog, "Remote Network"))
                     .build()).start();
             SmtpSink sink = SmtpSink.start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                     .milters("inet:127.0.0.1:" + ((ConnectionSpec.Inet) manager.localSpec()).port())
                     .set("milter_connect_macros", "j {daemon_name} {daemon_addr} {daemon_port} v _")
                     .set("milter_default_action", "tempfail")
                     .start()) {
            SmtpClient.Transaction sent = SmtpClient.sendMail(postfix.smtpPort(), "alice@example.org",
                    List.of("bob@example.net"), "Subject: conditions\n\nhello\n");
            assertTrue(sent.accepted(), () -> sent + "\n" + postfix.log());
            sink.await(WAIT);

            FakeSession seen = old.takeSession(WAIT);
            seen.awaitEnd(WAIT);
            Map<String, String> atConnect = seen.received(Stage.CONNECT).getFirst().macros();
            assertTrue(atConnect.get("v").contains("Postfix"), atConnect.toString());
            assertEquals("127.0.0.1", atConnect.get("{if_addr}"), atConnect.toString());
            assertFalse(atConnect.getOrDefault("{if_name}", "").isEmpty(), atConnect.toString());
            assertEquals(Integer.toString(postfix.smtpPort()), atConnect.get("{daemon_port}"), atConnect.toString());
            String queueId = seen.received(Stage.MAIL).getFirst().macros().get("i");
            assertEquals("dummy-id", queueId, "Postfix opens the queue file only at the first valid RCPT");

            FakeSession suspicious = greylist.takeSession(WAIT);
            suspicious.awaitEnd(WAIT);
            Command.Connect connect = (Command.Connect) suspicious.received(Stage.CONNECT).getFirst().command();
            assertEquals("[127.0.0.1]", connect.hostname(), "no PTR lookup: S25R's [ADDR] rule");
            assertEquals(1, suspicious.messages().size());

            FakeSession local = spam.takeSession(WAIT);
            local.awaitEnd(WAIT);
            assertEquals(List.of(), local.received(Stage.CONNECT), "a loopback client is local");
            assertEquals(1, manager.statistics().children().get("spam").stops("Remote Network"));
        }
    }

    /** The automatic threshold agrees with what {@code postconf} says of the installed Postfix (default paths). */
    @Test
    void theStressThresholdIsThreeQuartersOfWhatPostconfSaysOfTheSmtpService() {
        Processes.Result service = Processes.run(List.of("postconf", "-M", "smtp/inet"), Duration.ofSeconds(10));
        assertEquals(0, service.exitCode(), service::toString);
        String maxproc = service.output().strip().split("\\s+")[6];
        int limit = maxproc.equals("-") ? Integer.parseInt(Processes.run(List.of("postconf", "-h",
                "default_process_limit"), Duration.ofSeconds(10)).output().strip()) : Integer.parseInt(maxproc);
        assertTrue(limit > 0, "an smtp service with a process limit: " + service);

        // no parameter: the installed Postfix's /etc/postfix/master.cf, read at the first session that asks
        ApplicabilityPolicy noStress = ConditionCatalog.load(List.of()).get("No Stress");
        int threshold = 0;
        for (int n = 1; n <= limit && threshold == 0; n++) {
            if (!noStress.applies(connectWith(n))) {
                threshold = n;
            }
        }
        assertEquals(limit * 3 / 4, threshold);
    }

    /** A CONNECT while {@code sessions} sessions run (the policy reads nothing else). */
    private static PolicyContext connectWith(int sessions) {
        SessionView view = (SessionView) Proxy.newProxyInstance(SessionView.class.getClassLoader(),
                new Class<?>[] {SessionView.class}, (proxy, method, args) -> {
                    if (method.getName().equals("activeSessions")) {
                        return sessions;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Command.Connect connect = new Command.Connect("[192.0.2.1]", Command.Family.INET, 4000, "192.0.2.1");
        return new PolicyContext() {
            @Override
            public String childName() {
                return "child";
            }

            @Override
            public Stage stage() {
                return Stage.CONNECT;
            }

            @Override
            public Command event() {
                return connect;
            }

            @Override
            public SessionView session() {
                return view;
            }

            @Override
            public void setMacro(String name, String value) {
                throw new UnsupportedOperationException("No Stress sets no macro");
            }
        };
    }

    private static ChildConfig child(String name, FakeMilter fake, ConditionCatalog catalog, String condition) {
        return ChildConfig.builder(name, fake.connectionSpec()).fallbackStatus(Status.TEMPORARY_FAILURE)
                .addCondition(condition, catalog.get(condition)).build();
    }
}
