package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.miltermanager.testsupport.SeededProperty;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The performance optimization — children that cannot modify the message are fed in step with the MTA, in parallel
 * with the first, instead of being replayed at end of message — must not change any observable result
 * (design.md §3). For random scenarios (1 to 4 children, each modifying or not, random answers and faults at every
 * stage, random edits computed from what the child saw, one or two messages, behind Postfix or another MTA) the
 * MTA-visible result is compared with the same scenario in which every child negotiates the modification actions,
 * which turns the optimization off (only the first child is then fed in step). Each run is also checked against a
 * plain sequential model of the chain: every child that gets end of message saw the headers and body as the earlier
 * children left them, and the MTA's edits turn its message into the chain's final one.
 *
 * <p>Each case has its own seed; a failure prints it, and {@code -Dproperty.seed=<hex>} replays that one case
 * ({@code -Dproperty.cases=<n>} runs more).
 */
class InStepEquivalencePropertyTest {
    private static final int CHUNK = 64;
    private static final List<String> HEADER_NAMES = List.of("From", "To", "Subject", "X-A", "x-a", "Received");

    /** A scripted answer at the {@code at}-th recipient, header or body chunk of a message (from 0). */
    record Rule(int at, FakeReply reply) {
    }

    enum Edit {
        ADD, INSERT, CHANGE, DELETE, CHANGE_PAST, REPLACE_BODY, CHANGE_FROM, QUARANTINE, ADD_RCPT, ADD_RCPT_ARGS,
        DELETE_RCPT
    }

    record ChildPlan(int index, boolean modifies, Map<Stage, FakeReply> replies, Rule rcpt, Rule header, Rule body,
            Status fallback, List<Edit> edits) {
    }

    record MessagePlan(String sender, List<String> recipients, List<String[]> headers, byte[] body) {
        List<String> headerLines() {
            return headers.stream().map(h -> h[0] + ": " + h[1]).toList();
        }
    }

    /** @param postfix whether the MTA says it is Postfix (then its hidden Received: header counts for inserts) */
    record Plan(List<ChildPlan> children, List<MessagePlan> messages, boolean postfix) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("plan" + (postfix ? " (Postfix)" : "") + ":\n");
            children.forEach(c -> s.append("  ").append(c).append('\n'));
            messages.forEach(m -> s.append("  message ").append(m.sender()).append(" to ").append(m.recipients())
                    .append(", headers ").append(m.headerLines()).append(", body ").append(m.body().length)
                    .append(" bytes\n"));
            return s.toString();
        }
    }

    @Test
    void feedingNonModifyingChildrenInStepChangesNoObservableResult() {
        SeededProperty.check(120, random -> {
            Plan plan = randomPlan(random);
            List<String> optimized = run(plan, false);
            List<String> sequential = run(plan, true);
            assertEquals(String.join("\n", sequential), String.join("\n", optimized), plan::toString);
        });
    }

    // ---- random plans ----

    private static Plan randomPlan(SplittableRandom r) {
        List<ChildPlan> children = new ArrayList<>();
        for (int i = 0, n = r.nextInt(1, 5); i < n; i++) {
            children.add(randomChild(r, i));
        }
        // A child fed in step may fail (close) on content the sequential chain would never have shown it, because an
        // earlier child ended the message first; it is then dropped for the session here but still alive there. That
        // difference is inherent in feeding it early, and shows only in later messages: such plans have one message.
        boolean failsOnContent = children.stream().anyMatch(c -> c.replies().get(Stage.EOH) == FakeReply.CLOSE
                || c.header() != null && c.header().reply() == FakeReply.CLOSE
                || c.body() != null && c.body().reply() == FakeReply.CLOSE);
        List<MessagePlan> messages = new ArrayList<>();
        for (int k = 0, n = failsOnContent ? 1 : r.nextInt(1, 3); k < n; k++) {
            messages.add(randomMessage(r, k));
        }
        return new Plan(children, messages, r.nextInt(4) == 0);
    }

    private static ChildPlan randomChild(SplittableRandom r, int index) {
        Map<Stage, FakeReply> replies = new EnumMap<>(Stage.class);
        for (Stage stage : List.of(Stage.CONNECT, Stage.HELO, Stage.MAIL, Stage.DATA, Stage.EOH)) {
            if (r.nextInt(100) < 7) {
                replies.put(stage, decision(r, index, false));
            }
        }
        if (r.nextInt(100) < 30) {
            replies.put(Stage.EOM, decision(r, index, false));
        }
        Rule rcpt = r.nextInt(100) < 20 ? new Rule(r.nextInt(3), decision(r, index, false)) : null;
        Rule header = r.nextInt(100) < 20 ? new Rule(r.nextInt(5), decision(r, index, false)) : null;
        Rule body = r.nextInt(100) < 20 ? new Rule(r.nextInt(5), decision(r, index, true)) : null;
        boolean modifies = r.nextBoolean();
        List<Edit> edits = new ArrayList<>();
        if (modifies) {
            for (int n = r.nextInt(1, 6); n > 0; n--) {
                edits.add(Edit.values()[r.nextInt(Edit.values().length)]);
            }
        }
        Status fallback = List.of(Status.ACCEPT, Status.TEMPORARY_FAILURE, Status.REJECT, Status.DISCARD)
                .get(r.nextInt(4));
        return new ChildPlan(index, modifies, replies, rcpt, header, body, fallback, edits);
    }

    private static FakeReply decision(SplittableRandom r, int child, boolean body) {
        List<FakeReply> choices = new ArrayList<>(List.of(FakeReply.ACCEPT, FakeReply.REJECT, FakeReply.TEMPFAIL,
                FakeReply.DISCARD, FakeReply.replyCode("550 5.7.1 child " + child),
                FakeReply.replyCode("451 4.7.1 child " + child), FakeReply.CLOSE));
        if (body) {
            choices.add(FakeReply.SKIP);
            choices.add(FakeReply.SKIP);
        }
        return choices.get(r.nextInt(choices.size()));
    }

    private static MessagePlan randomMessage(SplittableRandom r, int k) {
        List<String> recipients = new ArrayList<>();
        for (int i = 0, n = r.nextInt(1, 4); i < n; i++) {
            recipients.add("<rcpt-" + i + "@example.net>");
        }
        List<String[]> headers = new ArrayList<>();
        for (int i = 0, n = r.nextInt(0, 6); i < n; i++) {
            headers.add(new String[] {HEADER_NAMES.get(r.nextInt(HEADER_NAMES.size())), "v" + r.nextInt(100)});
        }
        byte[] body = new byte[r.nextInt(0, 5 * CHUNK)];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + r.nextInt(26));
        }
        return new MessagePlan("<sender-" + k + "@example.org>", recipients, headers, body);
    }

    // ---- the children ----

    private static FakeMilter.Builder fake(ChildPlan plan, boolean forceModify) {
        FakeMilter.Builder b = FakeMilter.builder();
        if (!plan.modifies() && !forceModify) {
            b.actions(0);
        }
        plan.replies().forEach(b::reply);
        if (plan.rcpt() != null) {
            b.on(Stage.RCPT, "<rcpt-" + plan.rcpt().at() + "@", plan.rcpt().reply());
        }
        if (plan.header() != null) {
            b.on(Stage.HEADER, (session, command) ->
                    session.messages().getLast().headers().size() - 1 == plan.header().at() ? plan.header().reply()
                            : null);
        }
        if (plan.body() != null) {
            b.on(Stage.BODY, (session, command) -> {
                int before = session.messages().getLast().body().remaining()
                        - ((Command.Body) command).chunk().remaining();
                return before / CHUNK == plan.body().at() ? plan.body().reply() : null;
            });
        }
        if (plan.modifies()) {
            b.edits(message -> edits(plan, message));
        }
        return b;
    }

    /** The child's edits, computed from what it saw, so that a different view shows in the result. */
    static List<Response.Modification> edits(ChildPlan plan, FakeSession.Message message) {
        List<String> names = message.headers().stream().map(Command.Header::name).toList();
        int seen = Arrays.hashCode(message.bodyBytes()) * 31 + message.headers().stream()
                .map(h -> h.name() + ":" + h.value()).toList().hashCode();
        String digest = HexFormat.of().toHexDigits(seen).substring(2);
        int pick = Math.floorMod(seen, 97);
        int i = plan.index();
        List<Response.Modification> edits = new ArrayList<>();
        for (Edit edit : plan.edits()) {
            switch (edit) {
                case ADD -> edits.add(new Response.AddHeader("X-C" + i, digest));
                case INSERT -> edits.add(new Response.InsertHeader(pick % (names.size() + 2), "X-I" + i, digest));
                case CHANGE, DELETE -> {
                    if (!names.isEmpty()) {
                        int at = pick % names.size();
                        String name = names.get(at);
                        int occurrence = (int) names.subList(0, at + 1).stream().filter(name::equalsIgnoreCase).count();
                        edits.add(new Response.ChangeHeader(occurrence, name,
                                edit == Edit.DELETE ? "" : "c" + i + "-" + digest));
                    }
                }
                case CHANGE_PAST -> edits.add(new Response.ChangeHeader(7, "X-Past", "p" + i));
                case REPLACE_BODY -> {
                    byte[] body = ("child " + i + " saw " + digest + "\r\n").repeat(pick % 9)
                            .getBytes(StandardCharsets.US_ASCII);
                    int cut = body.length / 3;
                    edits.add(Response.ReplaceBody.of(Arrays.copyOfRange(body, 0, cut)));
                    edits.add(Response.ReplaceBody.of(Arrays.copyOfRange(body, cut, body.length)));
                }
                case CHANGE_FROM -> edits.add(new Response.ChangeFrom("<from-" + i + "-" + digest + "@example.org>",
                        i % 2 == 0 ? "" : "RET=HDRS"));
                case QUARANTINE -> edits.add(new Response.Quarantine("q" + i + " " + digest));
                case ADD_RCPT -> edits.add(new Response.AddRecipient("<added-" + i + "@example.net>"));
                case ADD_RCPT_ARGS -> edits.add(new Response.AddRecipientWithArgs("<added-" + i + "@example.net>",
                        "NOTIFY=NEVER"));
                case DELETE_RCPT -> edits.add(new Response.DeleteRecipient(message.recipients().isEmpty() ? "<none>"
                        : message.recipients().getFirst()));
            }
        }
        return edits;
    }

    // ---- one run: the MTA's transcript, normalised ----

    /**
     * Runs the plan and returns what the MTA saw, one line per answer. A message's outcome is normalised where the
     * MTA cannot tell the difference: an accept in the middle of the message and a plain continue at end of message
     * mean the same (the message goes through unchanged); a final verdict (reject, temporary failure, discard, a
     * reply code) means the same whichever message event it answers, and recipient changes sent before it are void.
     * Which verdict, and which child's reply code, must be the same.
     */
    private static List<String> run(Plan plan, boolean forceModify) {
        FakeChain.Builder builder = FakeChain.builder().config(c -> c.chunkSize(CHUNK));
        for (ChildPlan child : plan.children()) {
            builder.child(fake(child, forceModify), c -> c.fallbackStatus(child.fallback()));
        }
        try (FakeChain chain = builder.start()) {
            List<String> lines = new ArrayList<>();
            chain.negotiate();
            if (plan.postfix()) {
                chain.send(new Command.Macros('C', Map.of("v", "Postfix 3.8.6")));
            }
            if (!envelope(chain, lines, "connect",
                    new Command.Connect("client.example.org", Command.Family.INET, 41000, "192.0.2.10"))
                    || !envelope(chain, lines, "helo", new Command.Helo("client.example.org"))) {
                return lines;
            }
            for (int k = 0; k < plan.messages().size(); k++) {
                message(chain, plan, k, lines);
                chain.send(new Command.Abort());
            }
            chain.quit();
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends an envelope event; returns whether the MTA goes on. */
    private static boolean envelope(FakeChain chain, List<String> lines, String label, Command command) {
        List<Response> answer = chain.answer(command);
        lines.add(label + " " + answer);
        return answer.equals(FakeChain.CONTINUE);
    }

    private static void message(FakeChain chain, Plan plan, int k, List<String> lines) {
        MessagePlan m = plan.messages().get(k);
        String p = "m" + k + " ";
        if (!envelope(chain, lines, p + "mail", new Command.MailFrom(m.sender()))) {
            return;
        }
        int accepted = 0;
        for (String recipient : m.recipients()) {
            List<Response> answer = chain.answer(new Command.Recipient(recipient));
            lines.add(p + "rcpt " + answer);
            Status status = Status.of((Response.Decision) answer.getFirst());
            if (status == Status.CONTINUE) {
                accepted++;
            } else if (status == Status.ACCEPT || status == Status.DISCARD) {
                return;
            }
        }
        if (accepted == 0 || !envelope(chain, lines, p + "data", new Command.Data())) {
            return;
        }
        List<Command> content = new ArrayList<>();
        m.headers().forEach(h -> content.add(new Command.Header(h[0], h[1])));
        content.add(new Command.EndOfHeaders());
        for (int offset = 0; offset < m.body().length; offset += CHUNK) {
            content.add(new Command.Body(ByteBuffer.wrap(m.body(), offset, Math.min(CHUNK, m.body().length - offset))));
        }
        for (Command command : content) {
            List<Response> answer = chain.answer(command);
            if (!answer.equals(FakeChain.CONTINUE)) {
                lines.add(p + "outcome " + (answer.equals(List.of(new Response.Accept())) ? "accept"
                        : "final " + answer.getFirst()));
                return;
            }
        }
        List<List<Response>> eom = chain.endOfMessage();
        List<Response> last = eom.getLast();
        Response.Decision verdict = (Response.Decision) last.getLast();
        if (Status.of(verdict).isFinal()) {
            lines.add(p + "outcome final " + verdict);
            return;
        }
        boolean unchanged = eom.size() == 1 && last.size() == 1;
        lines.add(p + "outcome " + (unchanged ? "accept" : describe(eom)));
        if (!plan.postfix()) {
            // the model applies edits with Sendmail's indexes; with Postfix the comparison of the runs stands alone
            checkAgainstTheSequentialModel(chain, plan, m, eom);
        }
    }

    private static String describe(List<List<Response>> calls) {
        return calls.stream().map(call -> call.stream().map(r -> r instanceof Response.ReplaceBody b
                ? "ReplaceBody[" + HexFormat.of().formatHex(b.toByteArray()) + "]" : r.toString()).toList())
                .toList().toString();
    }

    // ---- the sequential model ----

    /**
     * Walks the children in order as Postfix's own chain would: each child that got end of message must have seen
     * the headers and body as the earlier ones left them; its edits are applied to the model. The MTA's edits must
     * then turn the original message into the model's final one.
     */
    private static void checkAgainstTheSequentialModel(FakeChain chain, Plan plan, MessagePlan m,
            List<List<Response>> eom) {
        List<String> headers = new ArrayList<>(m.headerLines());
        byte[] body = m.body();
        boolean replaced = false;
        Response.ChangeFrom from = null;
        Response.Quarantine quarantine = null;
        List<Response> recipientEdits = new ArrayList<>();
        for (ChildPlan child : plan.children()) {
            Optional<FakeSession.Message> got = chain.child(child.index()).messages().stream()
                    .filter(x -> m.sender().equals(x.sender()) && x.endOfMessage()).findFirst();
            if (got.isEmpty()) {
                continue;
            }
            FakeSession.Message seen = got.get();
            String who = "child " + child.index();
            assertEquals(headers, seen.headers().stream().map(h -> h.name() + ": " + h.value()).toList(),
                    who + " must see the headers as the earlier children left them");
            if (child.body() == null || child.body().reply() != FakeReply.SKIP) {
                assertArrayEquals(body, seen.bodyBytes(), who + " must see the body as the earlier children left it");
            }
            if (!child.modifies() || child.replies().get(Stage.EOM) == FakeReply.CLOSE) {
                continue;
            }
            ByteArrayOutputStream newBody = null;
            for (Response.Modification edit : edits(child, seen)) {
                switch (edit) {
                    case Response.ReplaceBody b -> {
                        if (newBody == null) {
                            newBody = new ByteArrayOutputStream();
                        }
                        newBody.writeBytes(b.toByteArray());
                    }
                    case Response.ChangeFrom f -> from = f;
                    case Response.Quarantine q -> quarantine = q;
                    case Response.AddRecipient a -> recipientEdits.add(a);
                    case Response.AddRecipientWithArgs a -> recipientEdits.add(a);
                    case Response.DeleteRecipient d -> recipientEdits.add(d);
                    default -> headers = MtaHeaders.apply(headers, List.of(edit));
                }
            }
            if (newBody != null) {
                body = newBody.toByteArray();
                replaced = true;
            }
        }
        List<Response> last = eom.getLast();
        assertEquals(recipientEdits, eom.subList(0, eom.size() - 1).stream().map(List::getFirst).toList(),
                "recipient edits, each in its own write, in child order");
        assertEquals(headers, MtaHeaders.apply(m.headerLines(), last), "the MTA's headers after the diff");
        List<Response.ReplaceBody> pieces = last.stream().filter(Response.ReplaceBody.class::isInstance)
                .map(Response.ReplaceBody.class::cast).toList();
        assertEquals(replaced, !pieces.isEmpty(), "a replaced body is sent");
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        pieces.forEach(piece -> sent.writeBytes(piece.toByteArray()));
        if (replaced) {
            assertArrayEquals(body, sent.toByteArray());
            assertTrue(pieces.stream().allMatch(piece -> piece.chunk().remaining() <= CHUNK));
        }
        assertEquals(Optional.ofNullable(from), last.stream().filter(Response.ChangeFrom.class::isInstance)
                .findFirst());
        assertEquals(Optional.ofNullable(quarantine), last.stream().filter(Response.Quarantine.class::isInstance)
                .findFirst());
    }

    // ---- seeds ----

}
