package dev.miltermanager.manager;

import static dev.miltermanager.manager.HeaderListTest.h;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Response.AddHeader;
import dev.miltermanager.protocol.Response.ChangeHeader;
import dev.miltermanager.protocol.Response.InsertHeader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The minimal edits sent to the MTA for what the children did, in an order whose indexes hold. */
class HeaderDiffTest {

    /** The diff for {@code childEdits} applied to {@code original}, after checking it replays to the same list. */
    private static List<Response.Modification> diff(HeaderList original, Response.Modification... childEdits) {
        HeaderList edited = original.copy();
        for (Response.Modification edit : childEdits) {
            edited.apply(edit);
        }
        List<Response.Modification> diff = edited.diffFrom(original);
        HeaderList replayed = original.copy();
        diff.forEach(replayed::apply);
        assertEquals(edited, replayed, "replaying " + diff);
        return diff;
    }

    private static HeaderList sendmail(HeaderField... received) {
        return HeaderList.of(List.of(received), false);
    }

    private static HeaderList postfix(HeaderField... received) {
        return HeaderList.of(List.of(received), true);
    }

    private static HeaderList typical() {
        return postfix(h("Received", "upstream"), h("From", "a"), h("To", "b"), h("Subject", "hi"));
    }

    @Test
    void nothingChangedMeansNoEdits() {
        assertEquals(List.of(), diff(typical()));
        assertEquals(List.of(), diff(sendmail(h("From", "a"), h("From", "a"))));
        assertEquals(List.of(), diff(postfix()));
    }

    @Test
    void aValueChangedBackAndForthMeansNoEdits() {
        assertEquals(List.of(), diff(typical(), new ChangeHeader(1, "Subject", "x"),
                new ChangeHeader(1, "Subject", "hi")));
    }

    @Test
    void oneChangedValueIsExactlyOneChange() {
        assertEquals(List.of(new ChangeHeader(1, "Subject", "[spam] hi")),
                diff(typical(), new ChangeHeader(1, "Subject", "[spam] hi")));
    }

    @Test
    void oneAppendedHeaderIsExactlyOneAdd() {
        assertEquals(List.of(new AddHeader("X-Spam", "no")), diff(typical(), new AddHeader("X-Spam", "no")));
        assertEquals(List.of(new AddHeader("X-Spam", "no")),
                diff(sendmail(h("From", "a")), new AddHeader("X-Spam", "no")));
    }

    @Test
    void addingToAnEmptyListAppends() {
        assertEquals(List.of(new AddHeader("X-A", "1")), diff(sendmail(), new InsertHeader(0, "X-A", "1")));
        assertEquals(List.of(new AddHeader("X-A", "1")), diff(postfix(), new InsertHeader(1, "X-A", "1")));
    }

    @Test
    void oneDeletedHeaderIsAChangeToEmpty() {
        assertEquals(List.of(new ChangeHeader(1, "To", "")), diff(typical(), new ChangeHeader(1, "To", "")));
    }

    @Test
    void insertAtTheTopWithoutAHiddenReceived() {
        assertEquals(List.of(new InsertHeader(0, "X-Top", "1")),
                diff(sendmail(h("From", "a")), new InsertHeader(0, "X-Top", "1")));
    }

    @Test
    void insertAboveTheHiddenReceivedKeepsIndexZero() {
        assertEquals(List.of(new InsertHeader(0, "X-Top", "1")), diff(typical(), new InsertHeader(0, "X-Top", "1")));
    }

    @Test
    void insertJustBelowTheHiddenReceivedIsIndexOne() {
        assertEquals(List.of(new InsertHeader(1, "X-Top", "1")), diff(typical(), new InsertHeader(1, "X-Top", "1")));
    }

    @Test
    void insertInTheMiddleUsesTheFinalIndexCountingTheHiddenReceived() {
        HeaderList original = typical();
        HeaderList edited = original.copy();
        edited.apply(new ChangeHeader(1, "From", ""));
        edited.apply(new InsertHeader(3, "X-Mid", "1"));
        assertEquals(List.of(h("Received", "upstream"), h("To", "b"), h("X-Mid", "1"), h("Subject", "hi")),
                edited.visible());
        assertEquals(List.of(new ChangeHeader(1, "From", ""), new InsertHeader(3, "X-Mid", "1")),
                edited.diffFrom(original));
    }

    @Test
    void severalInsertsGoInTopToBottom() {
        assertEquals(List.of(new InsertHeader(0, "X-1", "1"), new InsertHeader(1, "X-2", "2"),
                        new InsertHeader(3, "X-3", "3"), new AddHeader("X-4", "4")),
                diff(typical(), new InsertHeader(0, "X-2", "2"), new InsertHeader(0, "X-1", "1"),
                        new InsertHeader(3, "X-3", "3"), new AddHeader("X-4", "4")));
    }

    @Test
    void deletesRunFromTheLastToTheFirst() {
        HeaderList original = sendmail(h("X-A", "1"), h("X-A", "2"), h("X-A", "3"), h("To", "b"));
        assertEquals(List.of(new ChangeHeader(3, "X-A", ""), new ChangeHeader(1, "X-A", "")),
                diff(original, new ChangeHeader(1, "X-A", ""), new ChangeHeader(2, "X-A", "")));
    }

    @Test
    void deleteEveryHeaderOfAName() {
        HeaderList original = postfix(h("X-A", "1"), h("From", "a"), h("x-a", "2"), h("X-A", "3"));
        assertEquals(List.of(new ChangeHeader(3, "X-A", ""), new ChangeHeader(2, "x-a", ""),
                        new ChangeHeader(1, "X-A", "")),
                diff(original, new ChangeHeader(1, "X-A", ""), new ChangeHeader(1, "X-A", ""),
                        new ChangeHeader(1, "X-A", "")));
    }

    @Test
    void changeTheSecondOfTwoHeadersWithTheSameName() {
        HeaderList original = postfix(h("Received", "upstream"), h("From", "a"), h("Received", "second"));
        assertEquals(List.of(new ChangeHeader(2, "received", "edited")),
                diff(original, new ChangeHeader(2, "received", "edited")));
    }

    @Test
    void aChangeKeepsTheChildsSpellingOfTheName() {
        assertEquals(List.of(new ChangeHeader(1, "SUBJECT", "x")),
                diff(typical(), new ChangeHeader(1, "SUBJECT", "x")));
    }

    @Test
    void renamingOnlyTheCaseIsAChange() {
        assertEquals(List.of(new ChangeHeader(1, "subject", "hi")),
                diff(typical(), new ChangeHeader(1, "subject", "hi")));
    }

    @Test
    void addChangeAndDeleteOfTheSameName() {
        HeaderList original = sendmail(h("X-A", "1"), h("From", "a"), h("X-A", "3"));
        assertEquals(List.of(
                new ChangeHeader(2, "X-A", "2"),
                new ChangeHeader(1, "X-A", ""),
                new AddHeader("X-A", "three")),
                diff(original, new ChangeHeader(1, "X-A", ""), new ChangeHeader(1, "X-A", "2"),
                        new AddHeader("X-A", "three")));
    }

    @Test
    void aCheaperPlanThanTheChildsIsFound() {
        HeaderList original = sendmail(h("X-A", "1"), h("From", "a"), h("X-A", "2"), h("X-A", "3"));
        List<Response.Modification> diff = diff(original,
                new ChangeHeader(1, "X-A", "one"),
                new ChangeHeader(3, "X-A", ""),
                new AddHeader("X-A", "4"),
                new InsertHeader(0, "X-A", "0"));
        assertEquals(List.of(
                new ChangeHeader(1, "X-A", "0"),
                new ChangeHeader(3, "X-A", "4"),
                new InsertHeader(1, "X-A", "one")), diff);
    }

    @Test
    void aChildsChangePastTheCountBecomesAnAdd() {
        assertEquals(List.of(new AddHeader("X-A", "new")), diff(typical(), new ChangeHeader(5, "X-A", "new")));
    }

    @Test
    void aHeaderChangedAfterBeingAddedIsOneAdd() {
        assertEquals(List.of(new AddHeader("X-A", "2")),
                diff(typical(), new AddHeader("X-A", "1"), new ChangeHeader(1, "X-A", "2")));
    }

    @Test
    void aNewEmptyValueIsADeleteAndAnAddNotAChange() {
        HeaderList original = sendmail(h("X-A", "1"), h("To", "b"));
        assertEquals(List.of(new ChangeHeader(1, "X-A", ""), new InsertHeader(0, "X-A", "")),
                diff(original, new ChangeHeader(1, "X-A", ""), new InsertHeader(0, "X-A", "")));
    }

    @Test
    void swappedHeadersCostOneDeleteAndOneInsert() {
        HeaderList original = sendmail(h("A", "1"), h("B", "2"));
        List<Response.Modification> diff = diff(original, new ChangeHeader(1, "A", ""), new AddHeader("A", "1"));
        assertEquals(List.of(new ChangeHeader(1, "A", ""), new AddHeader("A", "1")), diff);
    }

    @Test
    void aHeaderMovedAboveTheHiddenReceivedIsNotKept() {
        HeaderList original = postfix(h("From", "a"));
        List<Response.Modification> diff = diff(original, new InsertHeader(0, "From", "a"),
                new ChangeHeader(2, "From", ""));
        assertEquals(List.of(new ChangeHeader(1, "From", ""), new InsertHeader(0, "From", "a")), diff);
    }

    @Test
    void changesComeBeforeDeletesBeforeAdditions() {
        HeaderList original = typical();
        List<Response.Modification> diff = diff(original,
                new InsertHeader(0, "X-Top", "1"),
                new AddHeader("X-End", "2"),
                new ChangeHeader(1, "To", ""),
                new ChangeHeader(1, "Subject", "changed"),
                new ChangeHeader(1, "Received", ""));
        assertEquals(List.of(
                new ChangeHeader(1, "Subject", "changed"),
                new ChangeHeader(1, "To", ""),
                new ChangeHeader(1, "Received", ""),
                new InsertHeader(0, "X-Top", "1"),
                new AddHeader("X-End", "2")), diff);
    }

    @Test
    void everyHeaderReplacedByOthers() {
        HeaderList original = typical();
        List<Response.Modification> diff = diff(original,
                new ChangeHeader(1, "Received", ""), new ChangeHeader(1, "From", ""),
                new ChangeHeader(1, "To", ""), new ChangeHeader(1, "Subject", ""),
                new AddHeader("X-1", "1"), new InsertHeader(0, "X-0", "0"));
        assertEquals(List.of(
                new ChangeHeader(1, "Subject", ""), new ChangeHeader(1, "To", ""),
                new ChangeHeader(1, "From", ""), new ChangeHeader(1, "Received", ""),
                new InsertHeader(0, "X-0", "0"), new AddHeader("X-1", "1")), diff);
    }

    @Test
    void aLongListEditedAtBothEndsIsAlignedGreedilyAndStaysMinimal() {
        List<HeaderField> received = new ArrayList<>();
        for (int i = 0; i < 1100; i++) {
            received.add(h("X-" + i, "v"));
        }
        HeaderList original = HeaderList.of(received, true);
        assertEquals(List.of(new ChangeHeader(1, "X-0", "changed"), new ChangeHeader(1, "X-1099", "changed")),
                diff(original, new ChangeHeader(1, "X-0", "changed"), new ChangeHeader(1, "X-1099", "changed")));
    }

    @Test
    void aLargeListWithAFewEditsStaysMinimal() {
        List<HeaderField> received = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            received.add(h("X-" + (i % 7), "v" + i));
        }
        HeaderList original = HeaderList.of(received, true);
        List<Response.Modification> diff = diff(original, new ChangeHeader(300, "X-3", "changed"),
                new ChangeHeader(2, "X-6", ""), new InsertHeader(2500, "X-New", "1"), new AddHeader("X-End", "2"));
        assertEquals(4, diff.size(), diff::toString);
    }

    @Test
    void listsMustAgreeOnTheHiddenReceived() {
        HeaderList withHidden = postfix(h("From", "a"));
        HeaderList without = sendmail(h("From", "a"));
        assertThrows(IllegalArgumentException.class, () -> withHidden.diffFrom(without));
        assertThrows(IllegalArgumentException.class, () -> without.diffFrom(withHidden));
    }

    @Test
    void theOriginalMustBeAsReceived() {
        HeaderList edited = postfix(h("From", "a"));
        edited.apply(new InsertHeader(0, "X-Top", "1"));
        assertThrows(IllegalArgumentException.class, () -> postfix(h("From", "a")).diffFrom(edited));
    }
}
