package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A milter for tests: records every callback (name, arguments, the macros visible then) in a queue shared by
 * all instances of a {@link Script}, and answers as the script says.
 */
final class ScriptedMilter implements Milter {

    /** One callback as the milter saw it. */
    record Event(String name, List<Object> args, Map<String, String> macros, int instance) {
        @Override
        public String toString() {
            return name + args;
        }
    }

    /** What the milters of one test do; shared by every instance the factory makes. */
    static final class Script implements MilterFactory {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        volatile Function<Event, Response.Decision> answer = e -> Verdict.CONTINUE;
        volatile BiFunction<MessageEditor, Event, Response.Decision> endOfMessage = (editor, e) -> Verdict.CONTINUE;
        final java.util.concurrent.atomic.AtomicInteger instances = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Milter create(MilterContext context) {
            return new ScriptedMilter(this, context, instances.incrementAndGet());
        }

        /** The next recorded event, failing after a while. */
        Event next() {
            try {
                Event e = events.poll(MtaDriver.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    throw new AssertionError("no callback within " + MtaDriver.WAIT);
                }
                return e;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }

        /** The names of the next {@code n} events. */
        List<String> names(int n) {
            return java.util.stream.IntStream.range(0, n).mapToObj(i -> next().name()).toList();
        }

        /** Checks no further callback arrives for a short while. */
        void assertNoMoreEvents() {
            try {
                Event e = events.poll(200, TimeUnit.MILLISECONDS);
                if (e != null) {
                    throw new AssertionError("unexpected callback " + e);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final Script script;
    private final MilterContext context;
    private final int instance;

    private ScriptedMilter(Script script, MilterContext context, int instance) {
        this.script = script;
        this.context = context;
        this.instance = instance;
    }

    private Response.Decision record(String name, Object... args) {
        Event event = new Event(name, List.of(args), context.macros(), instance);
        script.events.add(event);
        return script.answer.apply(event);
    }

    @Override
    public Response.Decision connect(Command.Connect client) {
        return record("connect", client);
    }

    @Override
    public Response.Decision helo(String name) {
        return record("helo", name);
    }

    @Override
    public Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
        return record("mail", sender, esmtpArgs);
    }

    @Override
    public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
        return record("rcpt", recipient, esmtpArgs);
    }

    @Override
    public Response.Decision data() {
        return record("data");
    }

    @Override
    public Response.Decision header(String name, String value) {
        return record("header", name, value);
    }

    @Override
    public Response.Decision endOfHeaders() {
        return record("eoh");
    }

    @Override
    public Response.Decision body(ByteBuffer chunk) {
        return record("body", StandardCharsets.ISO_8859_1.decode(chunk).toString());
    }

    @Override
    public Response.Decision unknown(String line) {
        return record("unknown", line);
    }

    @Override
    public Response.Decision endOfMessage(MessageEditor editor) {
        Event event = new Event("eom", List.of(), context.macros(), instance);
        script.events.add(event);
        return script.endOfMessage.apply(editor, event);
    }

    @Override
    public void abort() {
        record("abort");
    }

    @Override
    public void close() {
        record("close");
    }
}
