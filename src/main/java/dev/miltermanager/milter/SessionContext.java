package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.SmtpReply;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The {@link MilterContext} of one milter instance; owned by the session's thread. */
final class SessionContext implements MilterContext {
    private final MacroStore macros;
    private final NegotiatedOptions options;
    private Command.Connect client;
    private SmtpReply reply;

    SessionContext(MacroStore macros, NegotiatedOptions options) {
        this.macros = macros;
        this.options = options;
    }

    @Override
    public Optional<String> macro(String name) {
        return macros.lookup(name);
    }

    @Override
    public Map<String, String> macros(MacroStage stage) {
        return macros.stage(Objects.requireNonNull(stage, "stage"));
    }

    @Override
    public Map<String, String> macros() {
        return macros.merged();
    }

    @Override
    public NegotiatedOptions options() {
        return options;
    }

    @Override
    public Optional<Command.Connect> client() {
        return Optional.ofNullable(client);
    }

    @Override
    public void setReply(SmtpReply reply) {
        this.reply = Objects.requireNonNull(reply, "reply");
    }

    void client(Command.Connect client) {
        this.client = client;
    }

    /** The reply set during the callback that just ran, forgetting it. */
    SmtpReply takeReply() {
        SmtpReply taken = reply;
        reply = null;
        return taken;
    }

    @Override
    public String toString() {
        return "MilterContext[client=" + client + ", options=" + options + "]";
    }
}
