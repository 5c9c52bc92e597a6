package dev.miltermanager.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientOptionsTest {

    @Test
    void defaultsAreTheReferenceChildTimeouts() {
        ClientOptions d = ClientOptions.DEFAULTS;
        assertEquals(Duration.ofSeconds(297), d.connectTimeout());
        assertEquals(Duration.ofSeconds(7), d.writeTimeout());
        assertEquals(Duration.ofSeconds(7), d.readTimeout());
        assertEquals(Duration.ofSeconds(297), d.endOfMessageTimeout());
        assertEquals(1024 * 1024, d.maxReplyDataBytes());
        assertEquals(Optional.empty(), d.name());
        assertEquals(d, ClientOptions.builder().build());
    }

    @Test
    void withersChangeOneValue() {
        ClientOptions o = ClientOptions.DEFAULTS.withReadTimeout(Duration.ofSeconds(10)).withName("clamav");
        assertEquals(Duration.ofSeconds(10), o.readTimeout());
        assertEquals(Optional.of("clamav"), o.name());
        assertEquals(ClientOptions.DEFAULT_WRITE_TIMEOUT, o.writeTimeout());
        assertEquals(Duration.ofMillis(5), ClientOptions.builder().allTimeouts(Duration.ofMillis(5)).build()
                .endOfMessageTimeout());
    }

    @Test
    void invalidValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.DEFAULTS.withReadTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> ClientOptions.DEFAULTS.withConnectTimeout(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> ClientOptions.DEFAULTS.withWriteTimeout(null));
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.DEFAULTS.withMaxReplyDataBytes(1000));
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.DEFAULTS.withName(" "));
    }
}
