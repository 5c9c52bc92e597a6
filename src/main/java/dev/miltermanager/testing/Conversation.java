package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeSession.State;
import dev.miltermanager.transport.Connection;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One connection of a {@link FakeMilter}: reads the MTA's commands, records them, and answers as the script says.
 * Runs on its own thread until the MTA quits or hangs up, the script closes the connection, the MTA sends a
 * malformed packet, or the fake shuts down.
 */
final class Conversation implements Runnable {
    private final Script script;
    private final Connection connection;
    private final FakeSession session;
    private final SessionRecord record;
    private final BooleanSupplier shuttingDown;
    private final WatchedInput input;
    private final ReplyWriter writer;
    /** What the fake answered in negotiation; {@code null} until it answered with a well-formed reply. */
    private Response.Negotiate negotiated;

    Conversation(Script script, Connection connection, FakeSession session, BooleanSupplier shuttingDown) {
        this.script = script;
        this.connection = connection;
        this.session = session;
        this.record = session.record();
        this.shuttingDown = shuttingDown;
        this.input = new WatchedInput(connection.input(), script.threadFactory());
        this.writer = new ReplyWriter(connection, input, record, script.editPause());
    }

    @Override
    public void run() {
        try {
            converse();
        } catch (MilterProtocolException e) {
            record.error(e);
            record.end(State.PROTOCOL_ERROR);
        } catch (EOFException e) {
            record.note("the MTA closed the connection inside a packet: " + e.getMessage());
            record.end(ended(State.MTA_CLOSED));
        } catch (IOException e) {
            if (!shuttingDown.getAsBoolean() && session.state() == State.OPEN) {
                record.note("connection failed: " + e);
            }
            record.end(ended(State.MTA_CLOSED));
        } catch (InterruptedException e) {
            record.end(State.SHUTDOWN);
        } catch (RuntimeException e) {
            record.error(new IllegalStateException("the fake's script failed: " + e, e));
            record.end(ended(State.FAKE_CLOSED));
        } finally {
            connection.close();
        }
    }

    /** {@code how}, unless the fake is shutting down, which explains any ending. */
    private State ended(State how) {
        return shuttingDown.getAsBoolean() ? State.SHUTDOWN : how;
    }

    private void converse() throws IOException, InterruptedException {
        PacketReader reader = new PacketReader(input, PacketLimits.DEFAULT_MTA_DATA_BYTES);
        while (true) {
            Packet packet = reader.read();
            if (packet == null) {
                record.end(ended(State.MTA_CLOSED));
                return;
            }
            Command command = CommandCodec.decode(packet);
            if (command instanceof Command.Macros macros) {
                record.macros(macros);
                continue;
            }
            record.command(command);
            ReplyWriter.Outcome outcome = switch (command) {
                case Command.Negotiate offer -> negotiate(offer, reader);
                case Command.Quit q -> {
                    record.end(State.QUIT);
                    yield ReplyWriter.Outcome.CLOSED;
                }
                case Command.Abort a -> ReplyWriter.Outcome.GO_ON;
                case Command.QuitNewConnection k -> ReplyWriter.Outcome.GO_ON;
                default -> answer(Stage.of(command), command);
            };
            if (outcome == ReplyWriter.Outcome.PEER_GONE) {
                if (!shuttingDown.getAsBoolean()) {
                    record.note("the MTA hung up while the fake was waiting to reply");
                }
                record.end(ended(State.MTA_CLOSED));
            }
            if (outcome != ReplyWriter.Outcome.GO_ON) {
                return;
            }
        }
    }

    private ReplyWriter.Outcome negotiate(Command.Negotiate offer, PacketReader reader) throws IOException,
            InterruptedException {
        FakeReply reply = script.negotiationReply(offer);
        if (reply.kind() == FakeReply.Kind.RESPOND && reply.responses().get(0) instanceof Response.Negotiate n) {
            negotiated = n;
            record.negotiated(n);
            reader.setMaxDataBytes(PacketLimits.mtaDataBytes(n.protocol()));
        }
        return writer.perform(reply, List.of(), false);
    }

    private ReplyWriter.Outcome answer(Stage stage, Command command) throws IOException, InterruptedException {
        checkExpected(stage);
        FakeReply reply = choose(stage, command);
        boolean noReply = negotiated != null && !stage.expectsReply(negotiated.protocol());
        if (noReply && script.lieAboutNoReply() && reply.kind() == FakeReply.Kind.RESPOND) {
            record.note("replying although " + stage.noReplyFlag() + " was negotiated (lie)");
        }
        List<Response> edits = stage == Stage.EOM && reply.kind() == FakeReply.Kind.RESPOND ? edits() : List.of();
        return writer.perform(reply, edits, noReply && !script.lieAboutNoReply());
    }

    private FakeReply choose(Stage stage, Command command) {
        for (FakeMilter.Responder rule : script.rules(stage)) {
            FakeReply reply = rule.respond(session, command);
            if (reply != null) {
                return reply;
            }
        }
        return script.defaultReply(stage);
    }

    private List<Response> edits() {
        FakeSession.Message message = record.currentMessage();
        return message == null ? List.of() : new ArrayList<>(script.edits().apply(message));
    }

    /** Records a violation if the MTA sends an event the fake's negotiation excluded. */
    private void checkExpected(Stage stage) {
        if (session.offer().isEmpty()) {
            record.violation(stage + " arrived before negotiation");
            return;
        }
        if (negotiated == null || stage.isSent(negotiated.version(), negotiated.protocol())) {
            return;
        }
        ProtocolFlag flag = stage.noEventFlag();
        if (negotiated.version() < stage.sinceVersion()) {
            record.violation(stage + " arrived although the fake negotiated protocol version "
                    + negotiated.version() + ", which does not define it");
        } else {
            record.violation(stage + " arrived although the fake negotiated " + flag);
        }
    }
}
