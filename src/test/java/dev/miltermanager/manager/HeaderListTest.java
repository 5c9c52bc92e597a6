package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Response.AddHeader;
import dev.miltermanager.protocol.Response.ChangeHeader;
import dev.miltermanager.protocol.Response.InsertHeader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How children's header edits change the working list, with and without Postfix's hidden Received:. */
class HeaderListTest {

    static HeaderField h(String name, String value) {
        return new HeaderField(name, value);
    }

    private static HeaderList sendmail(HeaderField... received) {
        return HeaderList.of(List.of(received), false);
    }

    private static HeaderList postfix(HeaderField... received) {
        return HeaderList.of(List.of(received), true);
    }

    @Test
    void receivedHeadersAreVisibleInOrder() {
        HeaderList list = sendmail(h("From", "a"), h("To", "b"));
        assertEquals(List.of(h("From", "a"), h("To", "b")), list.visible());
        assertEquals(-1, list.hiddenReceivedIndex());
    }

    @Test
    void childrenNeverSeeTheHiddenReceived() {
        HeaderList list = postfix(h("From", "a"), h("To", "b"));
        assertEquals(List.of(h("From", "a"), h("To", "b")), list.visible());
        assertEquals(0, list.hiddenReceivedIndex());
    }

    @Test
    void visibleIsASnapshotThatCannotBeModified() {
        HeaderList list = sendmail(h("From", "a"));
        List<HeaderField> before = list.visible();
        assertThrows(UnsupportedOperationException.class, () -> before.add(h("To", "b")));
        list.apply(new AddHeader("To", "b"));
        assertEquals(List.of(h("From", "a")), before);
    }

    @Test
    void addAppendsAtTheEnd() {
        HeaderList list = postfix(h("From", "a"));
        list.apply(new AddHeader("X-Spam", "no"));
        assertEquals(List.of(h("From", "a"), h("X-Spam", "no")), list.visible());
        assertEquals(0, list.hiddenReceivedIndex());
    }

    @Test
    void insertAtZeroGoesToTheTop() {
        HeaderList list = sendmail(h("From", "a"));
        list.apply(new InsertHeader(0, "X-Top", "1"));
        assertEquals(List.of(h("X-Top", "1"), h("From", "a")), list.visible());
    }

    @Test
    void insertAtZeroLandsAboveTheHiddenReceived() {
        HeaderList list = postfix(h("From", "a"));
        list.apply(new InsertHeader(0, "X-Top", "1"));
        assertEquals(List.of(h("X-Top", "1"), h("From", "a")), list.visible());
        assertEquals(1, list.hiddenReceivedIndex());
    }

    @Test
    void insertAtOneLandsJustBelowTheHiddenReceived() {
        HeaderList list = postfix(h("From", "a"));
        list.apply(new InsertHeader(1, "X-Top", "1"));
        assertEquals(List.of(h("X-Top", "1"), h("From", "a")), list.visible());
        assertEquals(0, list.hiddenReceivedIndex());
    }

    @Test
    void insertIndexesCountTheHiddenReceived() {
        HeaderList list = postfix(h("From", "a"), h("To", "b"));
        list.apply(new InsertHeader(2, "X-Mid", "1"));
        assertEquals(List.of(h("From", "a"), h("X-Mid", "1"), h("To", "b")), list.visible());
    }

    @Test
    void insertPastTheEndAppends() {
        HeaderList list = postfix(h("From", "a"));
        list.apply(new InsertHeader(7, "X-Last", "1"));
        list.apply(new InsertHeader(-1, "X-Huge", "2"));
        assertEquals(List.of(h("From", "a"), h("X-Last", "1"), h("X-Huge", "2")), list.visible());
    }

    @Test
    void changeReplacesTheIndexthHeaderOfThatName() {
        HeaderList list = sendmail(h("X-A", "1"), h("To", "b"), h("X-A", "2"), h("X-A", "3"));
        list.apply(new ChangeHeader(2, "X-A", "two"));
        assertEquals(List.of(h("X-A", "1"), h("To", "b"), h("X-A", "two"), h("X-A", "3")), list.visible());
    }

    @Test
    void changeMatchesNamesIgnoringCaseAndTakesTheChildsSpelling() {
        HeaderList list = sendmail(h("Subject", "hi"));
        list.apply(new ChangeHeader(1, "SUBJECT", "[spam] hi"));
        assertEquals(List.of(h("SUBJECT", "[spam] hi")), list.visible());
    }

    @Test
    void changeIndexZeroMeansTheFirst() {
        HeaderList list = sendmail(h("X-A", "1"), h("X-A", "2"));
        list.apply(new ChangeHeader(0, "X-A", "one"));
        assertEquals(List.of(h("X-A", "one"), h("X-A", "2")), list.visible());
    }

    @Test
    void changeIndexPastTheCountAppends() {
        HeaderList list = sendmail(h("X-A", "1"), h("To", "b"));
        list.apply(new ChangeHeader(2, "X-A", "new"));
        assertEquals(List.of(h("X-A", "1"), h("To", "b"), h("X-A", "new")), list.visible());
    }

    @Test
    void changeWithAnEmptyValueDeletes() {
        HeaderList list = postfix(h("X-A", "1"), h("X-A", "2"));
        list.apply(new ChangeHeader(1, "x-a", ""));
        assertEquals(List.of(h("X-A", "2")), list.visible());
    }

    @Test
    void deletingPastTheCountDoesNothing() {
        HeaderList list = sendmail(h("X-A", "1"));
        list.apply(new ChangeHeader(2, "X-A", ""));
        list.apply(new ChangeHeader(1, "X-B", ""));
        assertEquals(List.of(h("X-A", "1")), list.visible());
    }

    @Test
    void changeNeverTouchesTheHiddenReceived() {
        HeaderList withVisibleReceived = postfix(h("Received", "upstream"), h("From", "a"));
        withVisibleReceived.apply(new ChangeHeader(1, "Received", "edited"));
        assertEquals(List.of(h("Received", "edited"), h("From", "a")), withVisibleReceived.visible());
        assertEquals(0, withVisibleReceived.hiddenReceivedIndex());

        HeaderList withoutVisibleReceived = postfix(h("From", "a"));
        withoutVisibleReceived.apply(new ChangeHeader(1, "Received", ""));
        withoutVisibleReceived.apply(new ChangeHeader(1, "Received", "added"));
        assertEquals(List.of(h("From", "a"), h("Received", "added")), withoutVisibleReceived.visible());
        assertEquals(0, withoutVisibleReceived.hiddenReceivedIndex());
    }

    @Test
    void editsAfterAnInsertAboveTheHiddenReceivedStillSkipIt() {
        HeaderList list = postfix(h("Received", "upstream"));
        list.apply(new InsertHeader(0, "Received", "top"));
        list.apply(new ChangeHeader(2, "Received", "second"));
        assertEquals(List.of(h("Received", "top"), h("Received", "second")), list.visible());
        assertEquals(1, list.hiddenReceivedIndex());
    }

    @Test
    void otherModificationsAreRejected() {
        HeaderList list = sendmail(h("From", "a"));
        assertThrows(IllegalArgumentException.class, () -> list.apply(Response.ReplaceBody.of(new byte[] {1})));
        assertThrows(IllegalArgumentException.class, () -> list.apply(new Response.AddRecipient("<b@x>")));
        assertThrows(IllegalArgumentException.class, () -> list.apply(new Response.ChangeFrom("<c@x>")));
        assertThrows(IllegalArgumentException.class, () -> list.apply(new Response.Quarantine("why")));
        assertEquals(List.of(h("From", "a")), list.visible());
    }

    @Test
    void aCopyIsIndependent() {
        HeaderList original = postfix(h("From", "a"));
        HeaderList copy = original.copy();
        assertEquals(original, copy);
        copy.apply(new InsertHeader(0, "X-Top", "1"));
        copy.apply(new ChangeHeader(1, "From", "b"));
        assertEquals(List.of(h("From", "a")), original.visible());
        assertEquals(0, original.hiddenReceivedIndex());
        assertNotEquals(original, copy);
    }

    @Test
    void aListWithAndWithoutTheHiddenReceivedDiffer() {
        assertNotEquals(sendmail(h("From", "a")), postfix(h("From", "a")));
    }

    @Test
    void ofCopiesItsInput() {
        List<HeaderField> received = new ArrayList<>(List.of(h("From", "a")));
        HeaderList list = HeaderList.of(received, false);
        received.add(h("To", "b"));
        assertEquals(List.of(h("From", "a")), list.visible());
    }

    @Test
    void toStringShowsTheHiddenReceivedWhereItIs() {
        HeaderList list = postfix(h("From", "a"));
        list.apply(new InsertHeader(0, "X-Top", "1"));
        assertEquals("HeaderList[X-Top: 1, (hidden Received), From: a]", list.toString());
    }
}
