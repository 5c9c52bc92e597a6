package dev.miltermanager.manager;

import dev.miltermanager.protocol.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header diff behind {@link HeaderList#diffFrom}: align, then emit changes, deletes (last to first) and
 * additions (top to bottom). The algorithm and its index conventions are described on {@link HeaderList}.
 * Stateless.
 */
final class HeaderDiff {
    /** Above this many cells (4 MiB of table) the middle is aligned greedily: still correct, maybe not minimal. */
    static final long MAX_ALIGNMENT_CELLS = 1L << 20;
    /** How far the greedy alignment looks ahead for a header that reappears. */
    static final int GREEDY_LOOKAHEAD = 64;

    private static final int IDENTICAL = 2;
    private static final int CHANGED = 1;
    private static final int UNRELATED = 0;

    private HeaderDiff() {
    }

    /**
     * The edits that turn {@code original} (visible headers as received, the hidden element if any above them
     * all) into {@code target}.
     *
     * @param target the final full list
     * @param hiddenAt the hidden element's index in {@code target}, or -1 if there is none
     */
    static List<Response.Modification> edits(List<HeaderField> original, List<HeaderField> target, int hiddenAt) {
        int belowStart = hiddenAt + 1;
        List<HeaderField> below = target.subList(belowStart, target.size());
        int[] source = align(original, below);
        int[] nameIndex = nameIndexes(original);
        boolean[] kept = new boolean[original.size()];
        List<Response.Modification> edits = new ArrayList<>();

        int lastKept = hiddenAt;
        for (int j = 0; j < below.size(); j++) {
            int i = source[j];
            if (i < 0) {
                continue;
            }
            kept[i] = true;
            lastKept = belowStart + j;
            HeaderField now = below.get(j);
            if (!now.equals(original.get(i))) {
                edits.add(new Response.ChangeHeader(nameIndex[i], now.name(), now.value()));
            }
        }
        for (int i = original.size() - 1; i >= 0; i--) {
            if (!kept[i]) {
                edits.add(new Response.ChangeHeader(nameIndex[i], original.get(i).name(), ""));
            }
        }
        for (int k = 0; k < target.size(); k++) {
            if (k == hiddenAt || k >= belowStart && source[k - belowStart] >= 0) {
                continue;
            }
            HeaderField added = target.get(k);
            edits.add(k > lastKept ? new Response.AddHeader(added.name(), added.value())
                    : new Response.InsertHeader(k, added.name(), added.value()));
        }
        return edits;
    }

    /**
     * For each header of {@code after}, the index of the original header it was kept or changed from, or -1 for a
     * new one. Monotone: the kept headers are in the same order in both lists.
     */
    static int[] align(List<HeaderField> before, List<HeaderField> after) {
        int n = before.size();
        int m = after.size();
        int[] source = new int[m];
        Arrays.fill(source, -1);
        int lo = 0;
        while (lo < n && lo < m && before.get(lo).equals(after.get(lo))) {
            source[lo] = lo;
            lo++;
        }
        int hi = 0;
        while (hi < n - lo && hi < m - lo && before.get(n - 1 - hi).equals(after.get(m - 1 - hi))) {
            source[m - 1 - hi] = n - 1 - hi;
            hi++;
        }
        int rows = n - lo - hi;
        int cols = m - lo - hi;
        if (rows == 0 || cols == 0) {
            return source;
        }
        if ((long) (rows + 1) * (cols + 1) > MAX_ALIGNMENT_CELLS) {
            alignGreedily(before.subList(lo, lo + rows), after.subList(lo, lo + cols), source, lo);
        } else {
            alignMiddle(before.subList(lo, lo + rows), after.subList(lo, lo + cols), source, lo);
        }
        return source;
    }

    /** Maximum-weight common subsequence by dynamic programming over the suffixes, then a forward walk. */
    private static void alignMiddle(List<HeaderField> before, List<HeaderField> after, int[] source, int offset) {
        int rows = before.size();
        int cols = after.size();
        int width = cols + 1;
        int[] best = new int[(rows + 1) * width];
        for (int i = rows - 1; i >= 0; i--) {
            for (int j = cols - 1; j >= 0; j--) {
                int value = Math.max(best[(i + 1) * width + j], best[i * width + j + 1]);
                int weight = weight(before.get(i), after.get(j));
                if (weight != UNRELATED) {
                    value = Math.max(value, weight + best[(i + 1) * width + j + 1]);
                }
                best[i * width + j] = value;
            }
        }
        int i = 0;
        int j = 0;
        while (i < rows && j < cols) {
            int here = best[i * width + j];
            int weight = weight(before.get(i), after.get(j));
            if (weight != UNRELATED && here == weight + best[(i + 1) * width + j + 1]) {
                source[offset + j] = offset + i;
                i++;
                j++;
            } else if (here == best[(i + 1) * width + j]) {
                i++;
            } else {
                j++;
            }
        }
    }

    /**
     * A one-pass alignment for very long lists: keep identical headers; where they differ, drop or add whichever
     * side's header reappears sooner on the other side (within {@link #GREEDY_LOOKAHEAD}), else pair them as a
     * change if the names match, else drop the original one. Monotone, so correct; minimal for a few scattered
     * edits, not in general.
     */
    private static void alignGreedily(List<HeaderField> before, List<HeaderField> after, int[] source, int offset) {
        int i = 0;
        int j = 0;
        while (i < before.size() && j < after.size()) {
            HeaderField original = before.get(i);
            HeaderField target = after.get(j);
            int weight = weight(original, target);
            if (weight == IDENTICAL) {
                source[offset + j++] = offset + i++;
                continue;
            }
            int originalAgain = distanceTo(after, j, original);
            int targetAgain = distanceTo(before, i, target);
            if (targetAgain <= originalAgain && targetAgain <= GREEDY_LOOKAHEAD) {
                i++;
            } else if (originalAgain <= GREEDY_LOOKAHEAD) {
                j++;
            } else if (weight == CHANGED) {
                source[offset + j++] = offset + i++;
            } else {
                i++;
            }
        }
    }

    /** How many places after {@code from} an identical {@code header} appears, or more than the lookahead. */
    private static int distanceTo(List<HeaderField> headers, int from, HeaderField header) {
        int limit = Math.min(headers.size(), from + 1 + GREEDY_LOOKAHEAD);
        for (int k = from + 1; k < limit; k++) {
            if (headers.get(k).equals(header)) {
                return k - from;
            }
        }
        return GREEDY_LOOKAHEAD + 1;
    }

    /**
     * What pairing an original header with a final one is worth: identical saves two edits, a change one. A final
     * header with an empty value cannot come from a change, since {@code m} with an empty value deletes.
     */
    private static int weight(HeaderField before, HeaderField after) {
        if (before.equals(after)) {
            return IDENTICAL;
        }
        return before.isNamed(after.name()) && !after.value().isEmpty() ? CHANGED : UNRELATED;
    }

    /** Each header's {@code m} index: its position among the headers of the same name, from 1. */
    private static int[] nameIndexes(List<HeaderField> headers) {
        Map<String, Integer> counts = new HashMap<>();
        int[] indexes = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            indexes[i] = counts.merge(HeaderField.nameKey(headers.get(i).name()), 1, Integer::sum);
        }
        return indexes;
    }
}
