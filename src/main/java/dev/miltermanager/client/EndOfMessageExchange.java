package dev.miltermanager.client;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One end of message: send {@code E}, then read modifications and progress until the verdict. The end-of-message
 * timeout runs from sending {@code E} to the verdict and starts again at each progress packet; modifications do not
 * extend it. Used once, on the caller's thread, under the client's lock.
 */
final class EndOfMessageExchange {
    private final BlockingMilterClient client;
    private final Exchange exchange;
    private final Negotiated negotiated;
    private final ClientOptions options;

    EndOfMessageExchange(BlockingMilterClient client, Exchange exchange, Negotiated negotiated,
            ClientOptions options) {
        this.client = client;
        this.exchange = exchange;
        this.negotiated = negotiated;
        this.options = options;
    }

    EndOfMessageResult run(Map<String, String> macros, Consumer<? super Response> listener) {
        exchange.checkNothingPending(Phase.EOM);
        exchange.send(Phase.EOM, Frames.withMacros(new Command.EndOfMessage(), macros));
        long timeoutNanos = options.endOfMessageTimeout().toNanos();
        long deadline = System.nanoTime() + timeoutNanos;
        List<Response.Modification> modifications = new ArrayList<>();
        int progress = 0;
        boolean mayModify = (negotiated.actions() & Action.MODIFICATIONS) != 0;
        while (true) {
            long left = Math.max(1, deadline - System.nanoTime());
            // libmilter writes each modification and the verdict separately, without TCP_NODELAY: a delayed ACK
            // from us would hold its next packet back for ~40 ms. A milter that can send neither modifications nor
            // (so far) progress sends the verdict alone, so that system call is saved.
            if (mayModify || progress > 0) {
                exchange.acknowledgePromptly();
            }
            Response response = exchange.receiveResponse(Phase.EOM, MilterTimeoutException.Kind.END_OF_MESSAGE,
                    Duration.ofNanos(left), options.endOfMessageTimeout(), "end-of-message verdict");
            switch (response) {
                case Response.Progress p -> {
                    progress++;
                    deadline = System.nanoTime() + timeoutNanos;
                    tell(listener, p);
                }
                case Response.Modification m -> {
                    checkNegotiated(m);
                    modifications.add(m);
                    tell(listener, m);
                }
                default -> {
                    Response.Decision decision = verdict(response);
                    client.endOfMessageDone();
                    return new EndOfMessageResult(modifications, decision, progress);
                }
            }
        }
    }

    /** Passes a response to the listener; if it throws, the milter's remaining packets stay unread: close. */
    private void tell(Consumer<? super Response> listener, Response response) {
        try {
            listener.accept(response);
        } catch (RuntimeException | Error e) {
            client.closeAfter(e);
            throw e;
        }
    }

    private void checkNegotiated(Response.Modification m) {
        Action required = m.requiredAction();
        if (!negotiated.allows(required)) {
            throw exchange.violation(Phase.EOM, new MilterProtocolException("modification "
                    + ReplyRules.describe(m) + " needs action " + required + ", which the milter did not negotiate"
                    + " (it negotiated " + Action.describe(negotiated.actions()) + ")"));
        }
    }

    private Response.Decision verdict(Response response) {
        try {
            return ReplyRules.endOfMessageDecision(response);
        } catch (MilterProtocolException e) {
            throw exchange.violation(Phase.EOM, e);
        }
    }
}
