package dev.miltermanager.protocol;

import dev.miltermanager.testsupport.SeededProperty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** SMTP replies as libmilter builds them and Postfix and Sendmail check them (protocol reference §1.6). */
class SmtpReplyTest {

    private static void assertInvalid(String message, Executable build) {
        SmtpReply.InvalidReplyException e = assertThrows(SmtpReply.InvalidReplyException.class, build);
        assertEquals(message, e.getMessage());
    }

    // ---- building and writing

    @Test
    void singleLineWithEnhancedCode() {
        SmtpReply reply = SmtpReply.of(550, "5.7.1", "Go away");
        assertEquals("550 5.7.1 Go away", reply.toWire());
        assertFalse(reply.isTemporary());
    }

    @Test
    void singleLineWithoutEnhancedCode() {
        SmtpReply reply = SmtpReply.of(451, null, "Try later");
        assertEquals("451 Try later", reply.toWire());
        assertTrue(reply.isTemporary());
    }

    @Test
    void multiLineMarksEveryLineButTheLastWithADashAndRepeatsTheCodes() {
        assertEquals("550-5.7.1 one\r\n550-5.7.1 two\r\n550 5.7.1 three",
                SmtpReply.of(550, "5.7.1", "one", "two", "three").toWire());
    }

    @Test
    void multiLineWithoutEnhancedCodeRepeatsTheReplyCode() {
        assertEquals("421-one\r\n421 two", SmtpReply.of(421, null, "one", "two").toWire());
    }

    @Test
    void emptyTextAfterAnEnhancedCodeLeavesNoTrailingSpace() {
        assertEquals("550 5.7.1", SmtpReply.of(550, "5.7.1", "").toWire());
    }

    @Test
    void noLinesMeansOneEmptyLine() {
        assertEquals(List.of(""), new SmtpReply(550, null, List.of()).lines());
    }

    @Test
    void percentIsDoubledOnTheWire() {
        assertEquals("451 4.3.0 100%% sure, %%s", SmtpReply.of(451, "4.3.0", "100% sure, %s").toWire());
    }

    @Test
    void linesAreCopied() {
        List<String> lines = new ArrayList<>(List.of("one"));
        SmtpReply reply = new SmtpReply(550, null, lines);
        lines.add("two");
        assertEquals(List.of("one"), reply.lines());
        assertThrows(UnsupportedOperationException.class, () -> reply.lines().add("three"));
    }

    // ---- what libmilter refuses to build

    @Test
    void successCodesAreRefused() {
        assertInvalid("reply code 250 is not a 4xx or 5xx code", () -> SmtpReply.of(250, null, "ok"));
    }

    @Test
    void informationalCodesAreRefused() {
        assertInvalid("reply code 150 is not a 4xx or 5xx code", () -> SmtpReply.of(150, null, "hm"));
    }

    @Test
    void intermediateCodesAreRefused() {
        assertInvalid("reply code 354 is not a 4xx or 5xx code", () -> SmtpReply.of(354, null, "go on"));
    }

    @Test
    void codesPastFiveHundredNinetyNineAreRefused() {
        assertInvalid("reply code 600 is not a 4xx or 5xx code", () -> SmtpReply.of(600, null, "x"));
    }

    @Test
    void enhancedCodeOfAnotherClassIsRefused() {
        assertInvalid("enhanced status code 4.7.1 does not match reply code 550",
                () -> SmtpReply.of(550, "4.7.1", "x"));
    }

    @Test
    void successEnhancedCodeOnAFailureIsRefused() {
        assertInvalid("enhanced status code 2.0.0 does not match reply code 451",
                () -> SmtpReply.of(451, "2.0.0", "x"));
    }

    @Test
    void enhancedCodeMustHaveThreeParts() {
        assertInvalid("enhanced status code '5.7' is not of the form x.y.z", () -> SmtpReply.of(550, "5.7", "x"));
    }

    @Test
    void enhancedCodePartsHaveAtMostThreeDigits() {
        assertInvalid("enhanced status code '5.1234.1' is not of the form x.y.z",
                () -> SmtpReply.of(550, "5.1234.1", "x"));
        assertEquals("550 5.123.456 x", SmtpReply.of(550, "5.123.456", "x").toWire());
    }

    @Test
    void thirtyTwoLinesAreAccepted() {
        assertEquals(32, new SmtpReply(550, null, Collections.nCopies(32, "x")).lines().size());
    }

    @Test
    void thirtyThreeLinesAreRefused() {
        assertInvalid("reply has 33 lines, more than 32", () -> new SmtpReply(550, null, Collections.nCopies(33, "x")));
    }

    @Test
    void lineOf980BytesIsAccepted() {
        assertEquals(980, SmtpReply.of(550, null, "x".repeat(980)).lines().getFirst().length());
    }

    @Test
    void lineOf981BytesIsRefused() {
        assertInvalid("reply line of 981 bytes is longer than 980", () -> SmtpReply.of(550, null, "x".repeat(981)));
    }

    @Test
    void lineLengthCountsUtf8BytesNotCharacters() {
        // 491 characters, 982 bytes.
        assertInvalid("reply line of 982 bytes is longer than 980", () -> SmtpReply.of(550, null, "é".repeat(491)));
    }

    @Test
    void carriageReturnInTextIsRefused() {
        assertInvalid("reply text must not contain CR, LF or NUL: \"a\\rb\"", () -> SmtpReply.of(550, null, "a\rb"));
    }

    @Test
    void lineFeedInTextIsRefused() {
        assertInvalid("reply text must not contain CR, LF or NUL: \"a\\nb\"", () -> SmtpReply.of(550, null, "a\nb"));
    }

    @Test
    void nulInTextIsRefused() {
        assertInvalid("reply text must not contain CR, LF or NUL: \"a\\0b\"", () -> SmtpReply.of(550, null, "a\0b"));
    }

    // ---- parsing what a milter sent

    @Test
    void parseExtractsTheEnhancedCode() {
        SmtpReply reply = SmtpReply.parse("550 5.7.1 Go away");
        assertEquals(550, reply.code());
        assertEquals("5.7.1", reply.enhancedCode());
        assertEquals(List.of("Go away"), reply.lines());
    }

    @Test
    void parseWithoutEnhancedCodeKeepsTheWholeText() {
        SmtpReply reply = SmtpReply.parse("451 Try later");
        assertNull(reply.enhancedCode());
        assertEquals(List.of("Try later"), reply.lines());
    }

    @Test
    void parseOfABareCodeHasOneEmptyLine() {
        assertEquals(new SmtpReply(554, null, List.of("")), SmtpReply.parse("554"));
    }

    @Test
    void parseOfAnEnhancedCodeWithoutText() {
        assertEquals(SmtpReply.of(550, "5.7.1", ""), SmtpReply.parse("550 5.7.1"));
    }

    @Test
    void parseTakesTheEnhancedCodeOffEveryLineThatRepeatsIt() {
        assertEquals(SmtpReply.of(550, "5.7.1", "one", "two", "three"),
                SmtpReply.parse("550-5.7.1 one\r\n550-5.7.1 two\r\n550 5.7.1 three"));
    }

    @Test
    void parseLeavesADifferentEnhancedCodeOnALaterLineInItsText() {
        assertEquals(SmtpReply.of(550, "5.7.1", "one", "5.1.1 two"),
                SmtpReply.parse("550-5.7.1 one\r\n550 5.1.1 two"));
    }

    @Test
    void parseUndoublesPercent() {
        assertEquals(List.of("100% sure"), SmtpReply.parse("451 4.3.0 100%% sure").lines());
    }

    @Test
    void parseRefusesAnEnhancedCodeOfAnotherClass() {
        assertInvalid("enhanced status code 5.7.1 does not match reply code 451",
                () -> SmtpReply.parse("451 5.7.1 x"));
    }

    @Test
    void parseRefusesSuccessCodes() {
        assertInvalid("reply line \"250 2.0.0 ok\" does not start with a 4xx or 5xx code",
                () -> SmtpReply.parse("250 2.0.0 ok"));
    }

    @Test
    void parseRefusesTextWithoutCode() {
        assertInvalid("reply line \"go away\" does not start with a 4xx or 5xx code", () -> SmtpReply.parse("go away"));
    }

    @Test
    void parseRefusesACodeRunningIntoTheText() {
        assertInvalid("reply line \"550x\" does not start with a 4xx or 5xx code", () -> SmtpReply.parse("550x"));
    }

    @Test
    void postfixWantsADashOnEveryLineButTheLast() {
        assertInvalid("reply line 1 of 2 must continue with '-'", () -> SmtpReply.parse("550 one\r\n550 two"));
    }

    @Test
    void postfixWantsNoDashOnTheLastLine() {
        assertInvalid("the last reply line must not continue with '-'", () -> SmtpReply.parse("550-one\r\n550-two"));
    }

    @Test
    void postfixWantsTheSameCodeOnEveryLine() {
        assertInvalid("reply mixes codes 550 and 554", () -> SmtpReply.parse("550-one\r\n554 two"));
    }

    @Test
    void postfixWantsNoCrLfAfterTheLastLine() {
        assertInvalid("reply must not end with CRLF: the last line has none", () -> SmtpReply.parse("550 one\r\n"));
    }

    @Test
    void parseRefusesABareLineFeedInsideALine() {
        assertInvalid("reply text must not contain CR, LF or NUL: \"one\\ntwo\"", () -> SmtpReply.parse("550 one\ntwo"));
    }

    @Test
    void parseRefusesThirtyThreeLines() {
        String wire = String.join("\r\n", Collections.nCopies(32, "550-x")) + "\r\n550 x";
        assertInvalid("reply has 33 lines, more than 32", () -> SmtpReply.parse(wire));
    }

    @Test
    void repliesSurviveTheWire() {
        SeededProperty.check(500, random -> {
            SmtpReply reply = RandomMessages.reply(random);
            assertEquals(reply, SmtpReply.parse(reply.toWire()), reply.toWire());
        });
    }
}
