package dev.miltermanager.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void durationsReadNaturally() {
        assertEquals("300 ms", Texts.format(Duration.ofMillis(300)));
        assertEquals("7 s", Texts.format(Duration.ofSeconds(7)));
        assertEquals("1.5 s", Texts.format(Duration.ofMillis(1500)));
        assertEquals("297 s", Texts.format(ClientOptions.DEFAULT_END_OF_MESSAGE_TIMEOUT));
    }

    @Test
    void anExceptionWithoutMessageIsNamedByItsType() {
        assertEquals("IOException", Texts.describe(new IOException()));
        assertEquals("Connection refused", Texts.describe(new IOException("Connection refused")));
    }
}
