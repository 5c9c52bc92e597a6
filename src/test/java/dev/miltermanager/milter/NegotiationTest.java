package dev.miltermanager.milter;

import static dev.miltermanager.protocol.ProtocolFlag.HEADER_LEADING_SPACE;
import static dev.miltermanager.protocol.ProtocolFlag.MDS_1M;
import static dev.miltermanager.protocol.ProtocolFlag.MDS_256K;
import static dev.miltermanager.protocol.ProtocolFlag.NO_BODY;
import static dev.miltermanager.protocol.ProtocolFlag.NO_CONNECT;
import static dev.miltermanager.protocol.ProtocolFlag.NO_DATA;
import static dev.miltermanager.protocol.ProtocolFlag.NO_EOH;
import static dev.miltermanager.protocol.ProtocolFlag.NO_HEADERS;
import static dev.miltermanager.protocol.ProtocolFlag.NO_HELO;
import static dev.miltermanager.protocol.ProtocolFlag.NO_MAIL;
import static dev.miltermanager.protocol.ProtocolFlag.NO_RCPT;
import static dev.miltermanager.protocol.ProtocolFlag.NO_UNKNOWN;
import static dev.miltermanager.protocol.ProtocolFlag.NR_HEADER;
import static dev.miltermanager.protocol.ProtocolFlag.NR_RCPT;
import static dev.miltermanager.protocol.ProtocolFlag.RCPT_REJ;
import static dev.miltermanager.protocol.ProtocolFlag.SKIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NegotiationTest {
    private static final int ALL_NO_EVENTS = NO_CONNECT.bit() | NO_HELO.bit() | NO_MAIL.bit() | NO_RCPT.bit()
            | NO_BODY.bit() | NO_HEADERS.bit() | NO_EOH.bit() | NO_UNKNOWN.bit() | NO_DATA.bit();

    @ParameterizedTest(name = "milter version {0}, MTA version {1} -> {2}")
    @CsvSource({"6,6,6", "6,2,2", "6,4,4", "6,7,6", "4,6,4", "2,6,2"})
    void answersTheLowerOfBothVersionsAndAtMostSix(int milterVersion, int mtaVersion, int expected) {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().version(milterVersion).build())) {
            Response.Negotiate reply = f.connect().negotiate(mtaVersion, Action.ALL, ProtocolFlag.ALL);
            assertEquals(expected, reply.version());
        }
    }

    @Test
    void refusesAnMtaBelowVersionTwoByClosing() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connect();
            mta.send(new Command.Negotiate(1, Action.ALL, ProtocolFlag.ALL));
            mta.assertClosedByMilter();
        }
    }

    @Test
    void defaultSpecAsksForNothingAndGetsEveryEvent() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.ALL, ProtocolFlag.ALL);
            assertEquals(new Response.Negotiate(6, 0, 0), reply);
        }
    }

    @Test
    void eventsLeftOutAreRequestedWithTheirNoFlagsAndNoRepliesWithNrFlags() {
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS, Action.CHANGE_FROM)
                .events(Stage.RCPT, Stage.HEADER).noReply(Stage.HEADER, Stage.RCPT).skip().rejectedRecipients()
                .headerLeadingSpace().build();
        try (ServerFixture f = new ServerFixture(spec)) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.ALL, ProtocolFlag.ALL);
            int expected = NO_CONNECT.bit() | NO_HELO.bit() | NO_MAIL.bit() | NO_BODY.bit() | NO_EOH.bit()
                    | NO_UNKNOWN.bit() | NO_DATA.bit() | NR_HEADER.bit() | NR_RCPT.bit() | SKIP.bit()
                    | RCPT_REJ.bit() | HEADER_LEADING_SPACE.bit();
            assertEquals(ProtocolFlag.describe(expected), ProtocolFlag.describe(reply.protocol()));
            assertEquals(Action.ADD_HEADERS.bit() | Action.CHANGE_FROM.bit(), reply.actions());
        }
    }

    @Test
    void zeroOffersStandForVersionOneDefaults() {
        // actions 0 = V1 (0x0F): ADD_HEADERS is in it; protocol 0 = V1 (0x3F): NO_EOH and every NR_* are not
        MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS)
                .events(Stage.CONNECT, Stage.HEADER).noReply(Stage.HEADER).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            Response.Negotiate reply = f.connect().negotiate(2, 0, 0);
            assertEquals(2, reply.version());
            assertEquals(Action.ADD_HEADERS.bit(), reply.actions());
            int expected = NO_HELO.bit() | NO_MAIL.bit() | NO_RCPT.bit() | NO_BODY.bit();
            assertEquals(ProtocolFlag.describe(expected), ProtocolFlag.describe(reply.protocol()));
        }
    }

    @Test
    void actionsTheMtaLacksCloseTheConnection() {
        MilterSpec spec = MilterSpec.builder().actions(Action.CHANGE_HEADERS).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            MtaDriver mta = f.connect();
            mta.send(new Command.Negotiate(6, Action.V1, ProtocolFlag.ALL));
            mta.assertClosedByMilter();
            // the server keeps serving
            assertEquals(6, f.connect().negotiate(6, Action.ALL, ProtocolFlag.ALL).version());
        }
    }

    @Test
    void zeroActionsMeanVersionOneSoChangeHeadersIsRefused() {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().actions(Action.CHANGE_HEADERS).build())) {
            MtaDriver mta = f.connect();
            mta.send(new Command.Negotiate(6, 0, ProtocolFlag.ALL));
            mta.assertClosedByMilter();
        }
    }

    @Test
    void noReplyTheMtaLacksIsFakedWithContinue() {
        MilterSpec spec = MilterSpec.builder().noReply(Stage.HEADER, Stage.RCPT).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            MtaDriver mta = f.connect();
            int offer = ProtocolFlag.ALL & ~ProtocolFlag.ALL_NO_REPLIES;
            assertEquals(0, mta.negotiate(6, Action.ALL, offer).protocol());
            f.script.answer = e -> e.name().equals("header") || e.name().equals("rcpt") ? Verdict.REJECT
                    : Verdict.CONTINUE;
            mta.ask(new Command.Connect("h", Command.Family.INET, 1, "192.0.2.1"));
            mta.ask(new Command.MailFrom("<a@example.org>"));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.Recipient("<b@example.org>")));
            mta.ask(new Command.Data());
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.Header("Subject", "x")));
            List<String> seen = f.script.names(5);
            assertEquals(List.of("connect", "mail", "rcpt", "data", "header"), seen);
        }
    }

    @Test
    void noReplyTheMtaOffersGetsNoReplyAtAll() {
        MilterSpec spec = MilterSpec.builder().noReply(Stage.HEADER).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            f.script.answer = e -> e.name().equals("header") ? Verdict.REJECT : Verdict.CONTINUE;
            MtaDriver mta = f.connectAndHelo();
            mta.ask(new Command.MailFrom("<a@example.org>"));
            mta.ask(new Command.Recipient("<b@example.org>"));
            mta.send(new Command.Header("Subject", "x"), new Command.Header("From", "y"));
            mta.assertSilent(Duration.ofMillis(300));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.EndOfHeaders()));
        }
    }

    @Test
    void noEventFlagsTheMtaLacksAreAnsweredWithoutCallback() {
        // a version 2 MTA: protocol 0x7F has no NO_DATA, NO_UNKNOWN; version 1 flags lack NO_EOH
        MilterSpec spec = MilterSpec.builder().events(Stage.MAIL).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            MtaDriver mta = f.connect();
            Response.Negotiate reply = mta.negotiate(2, Action.V2, ProtocolFlag.V1);
            assertEquals(ProtocolFlag.describe(ALL_NO_EVENTS & ProtocolFlag.V1 & ~NO_MAIL.bit()),
                    ProtocolFlag.describe(reply.protocol()));
            mta.ask(new Command.MailFrom("<a@example.org>"));
            mta.ask(new Command.Recipient("<b@example.org>"));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.EndOfHeaders()));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.EndOfMessage()));
            assertEquals(List.of("mail", "eom"), f.script.names(2));
            f.script.assertNoMoreEvents();
        }
    }

    @Test
    void noDataAndNoUnknownAreDroppedForAVersionTwoMtaWhichWorks() {
        MilterSpec spec = MilterSpec.builder().events(Stage.CONNECT, Stage.HELO, Stage.MAIL, Stage.RCPT,
                Stage.HEADER, Stage.EOH, Stage.BODY).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            MtaDriver mta = f.connect();
            assertEquals(new Response.Negotiate(2, 0, 0), mta.negotiate(2, Action.V2, ProtocolFlag.V2));
            mta.ask(new Command.Connect("h", Command.Family.INET, 25, "192.0.2.1"));
            mta.ask(new Command.Helo("h"));
            mta.ask(new Command.MailFrom("<a@example.org>"));
            mta.ask(new Command.Recipient("<b@example.org>"));
            mta.ask(new Command.Header("Subject", "hi"));
            mta.ask(new Command.EndOfHeaders());
            mta.ask(Command.Body.of("hello\r\n".getBytes()));
            assertInstanceOf(Response.Continue.class, mta.ask(new Command.EndOfMessage()));
            assertEquals(List.of("connect", "helo", "mail", "rcpt", "header", "eoh", "body", "eom"),
                    f.script.names(8));
        }
    }

    @Test
    void macroListsAreSentWithSetMacroList() {
        MilterSpec spec = MilterSpec.builder().macros(MacroStage.CONNECT, "j", "{daemon_name}")
                .macros(MacroStage.EOM, "i").build();
        try (ServerFixture f = new ServerFixture(spec)) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.ALL, ProtocolFlag.ALL);
            assertEquals(Action.SET_MACRO_LIST.bit(), reply.actions());
            assertEquals(Map.of(MacroStage.CONNECT, List.of("j", "{daemon_name}"), MacroStage.EOM, List.of("i")),
                    reply.macros());
        }
    }

    @Test
    void macroListsAreLeftOutWhenTheMtaCannotTakeThem() {
        MilterSpec spec = MilterSpec.builder().macros(MacroStage.CONNECT, "j").build();
        try (ServerFixture f = new ServerFixture(spec)) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.V2, ProtocolFlag.ALL);
            assertEquals(new Response.Negotiate(6, 0, 0), reply);
        }
    }

    @Test
    void skipAndRejectedRecipientsAreDroppedWhenNotOffered() {
        MilterSpec spec = MilterSpec.builder().skip().rejectedRecipients().build();
        try (ServerFixture f = new ServerFixture(spec)) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.ALL, ProtocolFlag.V2);
            assertEquals(0, reply.protocol());
        }
    }

    @Test
    void headerLeadingSpaceTheMtaLacksClosesTheConnection() {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().headerLeadingSpace().build())) {
            MtaDriver mta = f.connect();
            mta.send(new Command.Negotiate(6, Action.ALL, ProtocolFlag.V2));
            mta.assertClosedByMilter();
        }
    }

    @Test
    void dataSizeIsAgreedWhenOfferedAndRaisesTheReadLimit() {
        MilterSpec spec = MilterSpec.builder().dataSize(MDS_1M).build();
        try (ServerFixture f = new ServerFixture(spec)) {
            MtaDriver mta = f.connect();
            Response.Negotiate reply = mta.negotiate(6, Action.ALL, ProtocolFlag.ALL | MDS_256K.bit() | MDS_1M.bit());
            assertEquals(MDS_1M.bit(), reply.protocol());
            mta.ask(new Command.Connect("h", Command.Family.INET, 25, "192.0.2.1"));
            mta.ask(new Command.MailFrom("<a@example.org>"));
            mta.ask(new Command.Recipient("<b@example.org>"));
            mta.ask(new Command.EndOfHeaders());
            assertInstanceOf(Response.Continue.class, mta.ask(Command.Body.of(new byte[1024 * 1024 - 1])));
        }
    }

    @Test
    void dataSizeOneMegabyteFallsBackTo256KiB() {
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().dataSize(MDS_1M).build())) {
            Response.Negotiate reply = f.connect().negotiate(6, Action.ALL, ProtocolFlag.ALL | MDS_256K.bit());
            assertEquals(MDS_256K.bit(), reply.protocol());
        }
    }

    @Test
    void withoutDataSizeAPacketOver64KiBClosesTheConnection() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connect();
            assertEquals(0, mta.negotiate(6, Action.ALL, ProtocolFlag.ALL | MDS_1M.bit()).protocol());
            mta.ask(new Command.Connect("h", Command.Family.INET, 25, "192.0.2.1"));
            mta.ask(new Command.MailFrom("<a@example.org>"));
            mta.ask(new Command.Recipient("<b@example.org>"));
            mta.ask(new Command.EndOfHeaders());
            mta.send(Command.Body.of(new byte[65536]));
            mta.assertClosedByMilter();
        }
    }
}
