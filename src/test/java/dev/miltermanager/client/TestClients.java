package dev.miltermanager.client;

import java.io.IOException;

/** How tests open clients: the one place that knows the factory. */
final class TestClients {
    private TestClients() {
    }

    static MilterClient connect(FakeMilter milter, ClientOptions options) throws IOException {
        return BlockingMilterClient.connect(milter.address(), milter.spec(), options);
    }
}
