package dev.miltermanager.client;

import dev.miltermanager.transport.ConnectionSpec;

/** How tests open clients: the one place that knows the factory. */
final class TestClients {
    private TestClients() {
    }

    static MilterClient connect(FakeMilter milter, ClientOptions options) {
        return MilterClient.connect(ConnectionSpec.parse(milter.spec()), options);
    }
}
