package dev.miltermanager.manager;

import dev.miltermanager.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The working header list of one message: the headers as the MTA sent them, then every child's header edits in
 * the order they arrived. Later children are replayed {@link #visible()}; at the end, {@link #diffFrom} turns the
 * whole chain's work into the few edits the MTA needs.
 *
 * <h2>Postfix's hidden {@code Received:}</h2>
 * Postfix prepends its own {@code Received:} header but does not send it to milters, and its edit indexes treat
 * it differently per edit kind (see {@code reference/protocol-and-peers.md} §2). With
 * {@code hiddenReceivedAtTop} the list holds it as an invisible element, first in the list as received:
 * <ul>
 * <li>{@link #visible()} leaves it out and no edit ever changes, deletes or diffs it;</li>
 * <li>{@code m} (change/delete) indexes count visible headers only, as Postfix counts the headers as received;</li>
 * <li>{@code i} (insert) indexes count it, as Postfix counts the headers as delivered: {@code i} at 0 lands above
 *     it, at 1 just below it.</li>
 * </ul>
 *
 * <h2>Edit semantics ({@link #apply})</h2>
 * <ul>
 * <li>{@code h}: append at the end.</li>
 * <li>{@code i}: insert at the index on the full list (hidden element included); an index past the end (or above
 *     2<sup>31</sup>, which arrives negative) appends.</li>
 * <li>{@code m}: the index-th visible header of that name (ASCII case ignored), counted from 1, 0 treated as 1;
 *     a non-empty value replaces the header (taking the name as the child spelled it, as Postfix does; Sendmail
 *     keeps the old spelling, so only the case can differ), an empty value deletes it;
 *     an index past the count appends a new header, unless the value is empty (then nothing happens).</li>
 * </ul>
 *
 * <h2>The diff ({@link #diffFrom})</h2>
 * The edits are minimal in number and ordered so that their indexes hold for both Postfix and Sendmail:
 * <ol>
 * <li><b>Align.</b> The final list splits at the hidden element: headers above it are all new. Those below are
 *     aligned with the original visible list by a maximum-weight common subsequence: an identical header (exact
 *     name and value) weighs 2, a header with the same name ignoring case and a non-empty new value weighs 1
 *     (a change). Maximising the weight minimises {@code changes + deletes + additions}, since a kept header
 *     saves two edits and a changed one saves one; no edit can move a header, so no cheaper list exists. Common
 *     leading and trailing headers are matched first. The table costs rows &times; columns of what remains; past
 *     about a million cells (over a thousand headers edited apart) a one-pass greedy alignment takes over, which
 *     stays correct and is minimal for a few scattered edits, but not in general.</li>
 * <li><b>Changes</b>: {@code m(k, name, value)} with {@code k} counted on the original; they alter no count.</li>
 * <li><b>Deletes</b>: {@code m(k, name, "")} from the last original header to the first, so the counts of the
 *     headers still to delete stay as they were in the original.</li>
 * <li><b>Additions</b>, top to bottom: a new header below every kept header (and below the hidden element) is
 *     appended with {@code h}; any other goes in with {@code i} at its final index on the full list (hidden
 *     element counted), where everything above it is already in place.</li>
 * </ol>
 * Changes and deletes come before any insert on purpose: Postfix's {@code m} skips the first header physically
 * present, which is its own {@code Received:} only until something is inserted above it.
 *
 * <p>Not thread-safe: one message, one session thread.
 */
final class HeaderList {
    /** Stands for the MTA's hidden {@code Received:}; recognised by identity only (a NUL never comes off the wire). */
    private static final HeaderField HIDDEN_RECEIVED = new HeaderField("Received", "\0hidden");

    private final ArrayList<HeaderField> headers;
    private final boolean hiddenReceived;

    private HeaderList(ArrayList<HeaderField> headers, boolean hiddenReceived) {
        this.headers = headers;
        this.hiddenReceived = hiddenReceived;
    }

    /**
     * The headers as the MTA sent them.
     *
     * @param hiddenReceivedAtTop whether the MTA (Postfix) keeps a header of its own at the top that milters never
     *     see but that counts for insert indexes
     */
    static HeaderList of(List<HeaderField> received, boolean hiddenReceivedAtTop) {
        ArrayList<HeaderField> headers = new ArrayList<>(received.size() + 1);
        if (hiddenReceivedAtTop) {
            headers.add(HIDDEN_RECEIVED);
        }
        for (HeaderField header : received) {
            headers.add(Objects.requireNonNull(header, "header"));
        }
        return new HeaderList(headers, hiddenReceivedAtTop);
    }

    /** The headers a later child is replayed, in order (the hidden element left out); an unmodifiable snapshot. */
    List<HeaderField> visible() {
        List<HeaderField> visible = new ArrayList<>(headers.size());
        for (HeaderField header : headers) {
            if (header != HIDDEN_RECEIVED) {
                visible.add(header);
            }
        }
        return List.copyOf(visible);
    }

    /** Where the hidden element sits on the full list, or -1 if this list has none. */
    int hiddenReceivedIndex() {
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i) == HIDDEN_RECEIVED) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Applies a child's header edit as described in the class comment.
     *
     * @throws IllegalArgumentException if {@code edit} is not {@code h}, {@code i} or {@code m}
     */
    void apply(Response.Modification edit) {
        switch (edit) {
            case Response.AddHeader add -> headers.add(new HeaderField(add.name(), add.value()));
            case Response.InsertHeader insert -> headers.add(insertPosition(insert.index()),
                    new HeaderField(insert.name(), insert.value()));
            case Response.ChangeHeader change -> change(change);
            default -> throw new IllegalArgumentException("not a header edit: " + edit);
        }
    }

    private int insertPosition(int index) {
        return index < 0 || index > headers.size() ? headers.size() : index;
    }

    private void change(Response.ChangeHeader change) {
        long wanted = Math.max(1, Integer.toUnsignedLong(change.index()));
        int at = find(change.name(), wanted);
        if (at < 0) {
            if (!change.value().isEmpty()) {
                headers.add(new HeaderField(change.name(), change.value()));
            }
        } else if (change.value().isEmpty()) {
            headers.remove(at);
        } else {
            headers.set(at, new HeaderField(change.name(), change.value()));
        }
    }

    /** The full-list position of the {@code wanted}-th visible header called {@code name}, or -1. */
    private int find(String name, long wanted) {
        long seen = 0;
        for (int i = 0; i < headers.size(); i++) {
            HeaderField header = headers.get(i);
            if (header != HIDDEN_RECEIVED && header.isNamed(name) && ++seen == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** An independent copy (edits to one do not show in the other). */
    HeaderList copy() {
        return new HeaderList(new ArrayList<>(headers), hiddenReceived);
    }

    /**
     * The minimal edits that turn {@code original} (the MTA's list as received) into this list, in an order whose
     * indexes hold for Postfix and Sendmail alike; see the class comment.
     *
     * @throws IllegalArgumentException if {@code original} differs from this list in having a hidden element, or
     *     is not as received (something above its hidden element)
     */
    List<Response.Modification> diffFrom(HeaderList original) {
        if (original.hiddenReceived != hiddenReceived) {
            throw new IllegalArgumentException("one list has a hidden Received: header and the other has not");
        }
        if (hiddenReceived && original.hiddenReceivedIndex() != 0) {
            throw new IllegalArgumentException("the original list has headers above its hidden Received: header");
        }
        return HeaderDiff.edits(original.visible(), List.copyOf(headers), hiddenReceivedIndex());
    }

    /** Equal when the full lists (the hidden element's place included) are equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof HeaderList that && hiddenReceived == that.hiddenReceived
                && headers.equals(that.headers);
    }

    @Override
    public int hashCode() {
        return headers.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("HeaderList[");
        for (int i = 0; i < headers.size(); i++) {
            HeaderField header = headers.get(i);
            text.append(i == 0 ? "" : ", ")
                    .append(header == HIDDEN_RECEIVED ? "(hidden Received)" : header.name() + ": " + header.value());
        }
        return text.append(']').toString();
    }
}
