package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Response.AddHeader;
import dev.miltermanager.protocol.Response.ChangeHeader;
import dev.miltermanager.protocol.Response.InsertHeader;
import java.util.ArrayList;
import java.util.List;
import dev.miltermanager.testsupport.SeededProperty;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * For random header lists and random children's edits, the diff replays to exactly the edited list, under our own
 * edit semantics (Sendmail's) and under a literal model of Postfix's, and never takes more edits than the
 * children did.
 *
 * <p>Each case has its own seed; a failure prints it, and {@code -Dproperty.seed=<hex>} replays that one case
 * ({@code -Dproperty.cases=<n>} runs more).
 */
class HeaderDiffPropertyTest {
    private static final List<String> NAMES =
            List.of("From", "To", "Subject", "X-A", "x-a", "X-B", "Received", "received", "DKIM-Signature");
    private static final List<String> VALUES = List.of("1", "2", "3", " spaced", "multi\n\tline", "");
    private static final HeaderField POSTFIX_RECEIVED = new HeaderField("Received", "by postfix");

    @Test
    void theDiffReplaysToTheEditedList() {
        SeededProperty.check(5000, random -> roundTrip(random, randomHeaders(random, random.nextInt(0, 12)), 12));
    }

    @Test
    void theDiffReplaysToTheEditedListForLongLists() {
        SeededProperty.check(40, random -> roundTrip(random, randomHeaders(random, random.nextInt(900, 1500)), 30));
    }

    private static void roundTrip(SplittableRandom random, List<HeaderField> received, int maxEdits) {
        boolean postfix = random.nextBoolean();
        HeaderList original = HeaderList.of(received, postfix);
        HeaderList edited = original.copy();
        List<Response.Modification> childEdits = new ArrayList<>();
        for (int n = random.nextInt(0, maxEdits + 1); n > 0; n--) {
            Response.Modification edit = randomEdit(random, edited);
            childEdits.add(edit);
            edited.apply(edit);
        }
        String context = "original " + original + "\nchild edits " + childEdits + "\nedited " + edited;

        List<Response.Modification> diff = edited.diffFrom(original);
        context += "\ndiff " + diff;
        HeaderList replayed = original.copy();
        diff.forEach(replayed::apply);
        assertEquals(edited, replayed, context);
        assertEquals(edited.visible(), replayed.visible(), context);
        if (received.size() < 100) {
            assertTrue(diff.size() <= childEdits.size(), "more edits than the children's: " + context);
            assertEquals(fewestEdits(original.visible(), edited), diff.size(), "not minimal: " + context);
        }
        for (Response.Modification edit : diff) {
            if (edit instanceof ChangeHeader change) {
                assertTrue(change.index() >= 1, context);
            }
        }
        if (postfix) {
            assertEquals(asPostfixDelivers(edited), PostfixModel.replay(original.visible(), diff), context);
        }
    }

    /**
     * The fewest edits possible, by exhaustive recursion: every final header above the hidden element is an
     * addition; below it, each original header is deleted, kept (if identical) or changed (if the name matches and
     * the new value is not empty: an empty one would delete), and each final header not reached is an addition.
     */
    private static int fewestEdits(List<HeaderField> original, HeaderList edited) {
        int hiddenAt = edited.hiddenReceivedIndex();
        List<HeaderField> visible = edited.visible();
        List<HeaderField> below = visible.subList(Math.max(hiddenAt, 0), visible.size());
        int above = visible.size() - below.size();
        return above + fewestEdits(original, 0, below, 0, new Integer[original.size() + 1][below.size() + 1]);
    }

    private static int fewestEdits(List<HeaderField> from, int i, List<HeaderField> to, int j, Integer[][] memo) {
        if (i == from.size() || j == to.size()) {
            return from.size() - i + to.size() - j;
        }
        if (memo[i][j] == null) {
            int best = 1 + Math.min(fewestEdits(from, i + 1, to, j, memo), fewestEdits(from, i, to, j + 1, memo));
            HeaderField a = from.get(i);
            HeaderField b = to.get(j);
            if (a.equals(b)) {
                best = Math.min(best, fewestEdits(from, i + 1, to, j + 1, memo));
            } else if (a.name().equalsIgnoreCase(b.name()) && !b.value().isEmpty()) {
                best = Math.min(best, 1 + fewestEdits(from, i + 1, to, j + 1, memo));
            }
            memo[i][j] = best;
        }
        return memo[i][j];
    }

    private static List<HeaderField> randomHeaders(SplittableRandom random, int count) {
        List<HeaderField> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            headers.add(new HeaderField(pick(random, NAMES), pick(random, VALUES)));
        }
        return headers;
    }

    private static Response.Modification randomEdit(SplittableRandom random, HeaderList list) {
        String name = pick(random, NAMES);
        String value = pick(random, VALUES);
        int size = list.visible().size() + 1;
        return switch (random.nextInt(4)) {
            case 0 -> new AddHeader(name, value);
            case 1 -> new InsertHeader(random.nextInt(10) == 0 ? -1 : random.nextInt(0, size + 2), name, value);
            case 2 -> new ChangeHeader(random.nextInt(0, 5), name, "");
            default -> new ChangeHeader(random.nextInt(10) == 0 ? -1 : random.nextInt(0, 5), name, value);
        };
    }

    private static <T> T pick(SplittableRandom random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    /** The edited list as Postfix would deliver it: its own Received: in place of the hidden element. */
    private static List<HeaderField> asPostfixDelivers(HeaderList edited) {
        List<HeaderField> delivered = new ArrayList<>(edited.visible());
        delivered.add(edited.hiddenReceivedIndex(), POSTFIX_RECEIVED);
        return delivered;
    }

    /**
     * Postfix's header editing taken literally ({@code milter8.c} and {@code cleanup_milter.c}): its own
     * Received: is a real header at the top; {@code i} adds one to the index and inserts before that header
     * (counting every header, from 1); {@code m} treats 0 as 1 and skips the first header physically present
     * before counting headers of that name; whatever is not found is appended.
     */
    static final class PostfixModel {
        private PostfixModel() {
        }

        static List<HeaderField> replay(List<HeaderField> received, List<Response.Modification> edits) {
            List<HeaderField> queueFile = new ArrayList<>();
            queueFile.add(POSTFIX_RECEIVED);
            queueFile.addAll(received);
            for (Response.Modification edit : edits) {
                switch (edit) {
                    case AddHeader add -> queueFile.add(new HeaderField(add.name(), add.value()));
                    case InsertHeader insert -> {
                        long position = Math.max(1, Integer.toUnsignedLong(insert.index()) + 1);
                        HeaderField header = new HeaderField(insert.name(), insert.value());
                        if (position <= queueFile.size()) {
                            queueFile.add((int) position - 1, header);
                        } else {
                            queueFile.add(header);
                        }
                    }
                    case ChangeHeader change -> change(queueFile, change);
                    default -> throw new AssertionError(edit);
                }
            }
            return queueFile;
        }

        private static void change(List<HeaderField> queueFile, ChangeHeader change) {
            long wanted = Math.max(1, Integer.toUnsignedLong(change.index()));
            for (int k = 1; k < queueFile.size(); k++) {
                if (queueFile.get(k).isNamed(change.name()) && --wanted == 0) {
                    if (change.value().isEmpty()) {
                        queueFile.remove(k);
                    } else {
                        queueFile.set(k, new HeaderField(change.name(), change.value()));
                    }
                    return;
                }
            }
            if (!change.value().isEmpty()) {
                queueFile.add(new HeaderField(change.name(), change.value()));
            }
        }
    }
}
