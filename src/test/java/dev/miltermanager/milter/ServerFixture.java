package dev.miltermanager.milter;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A started {@link MilterServer} on loopback port 0 serving a {@link ScriptedMilter.Script}, plus drivers. */
final class ServerFixture implements AutoCloseable {
    static final ConnectionSpec LOOPBACK = ConnectionSpec.parse("inet:0@[127.0.0.1]");

    final ScriptedMilter.Script script = new ScriptedMilter.Script();
    final MilterServer server;
    private final List<MtaDriver> drivers = new ArrayList<>();

    ServerFixture(MilterSpec spec) {
        this(spec, UnaryOperator.identity());
    }

    ServerFixture(MilterSpec spec, UnaryOperator<MilterServer.Builder> configure) {
        this(LOOPBACK, spec, configure);
    }

    ServerFixture(ConnectionSpec listen, MilterSpec spec, UnaryOperator<MilterServer.Builder> configure) {
        try {
            server = configure.apply(MilterServer.builder(listen, spec, script)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new MTA connection, not negotiated. */
    MtaDriver connect() {
        try {
            MtaDriver driver = MtaDriver.connect(server.boundSpec().toSocketAddress());
            drivers.add(driver);
            return driver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new MTA connection negotiated as Postfix 3.x does (version 6, every action and flag). */
    MtaDriver connectPostfixLike() {
        MtaDriver driver = connect();
        driver.negotiate(6, Action.ALL, POSTFIX_PROTOCOL);
        return driver;
    }

    /** A connection through connect and HELO, both answered CONTINUE. */
    MtaDriver connectAndHelo() {
        MtaDriver driver = connectPostfixLike();
        driver.ask(new Command.Connect("client.example", Command.Family.INET, 40000, "192.0.2.1"));
        driver.ask(new Command.Helo("client.example"));
        return driver;
    }

    /** Postfix v6's offer: the NO_* bits, SKIP, RCPT_REJ, every NR_* bit and HDR_LEADSPC. */
    static final int POSTFIX_PROTOCOL = ProtocolFlag.ALL;

    static boolean isContinue(Response r) {
        return r instanceof Response.Continue;
    }

    @Override
    public void close() {
        drivers.forEach(MtaDriver::close);
        server.close();
    }
}
