package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The built-in conditions are found by their reference names through ServiceLoader, each with a description. */
class BuiltInCatalogTest {
    private static final List<String> NAMES = List.of("S25R", "Remote Network", "Authenticated", "Unauthenticated",
            "Trust", "No Stress", "Stress Notify", "Restrict Accounts", "Sendmail Compatible", "DNSBL Listed",
            "Not DNSBL Listed");

    @Test
    void everyBuiltInConditionIsInTheCatalogWithADescription() {
        ConditionCatalog catalog = ConditionCatalog.load(List.of(
                ConditionParameter.of("stress.threshold_n_connections", "0")));
        assertTrue(catalog.names().containsAll(NAMES), catalog.names().toString());
        for (String name : NAMES) {
            assertFalse(catalog.description(name).orElse("").isBlank(), name);
            catalog.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Conditions without parameters claim no prefix: a key under their name is an unknown prefix. */
    @ParameterizedTest
    @ValueSource(strings = {"authenticated.x", "sendmail_compatible.x", "s25r.x", "remote_network.x", "trust.x",
        "stress.x", "restrict_accounts.x"})
    void anUnknownKeyIsRefusedWithItsOrigin(String key) {
        var e = assertThrows(InvalidConditionParameterException.class,
                () -> ConditionCatalog.load(List.of(new ConditionParameter(key, "1", "mm.conf:3"))));
        assertTrue(e.getMessage().startsWith("mm.conf:3: " + key + " = 1: expected "), e.getMessage());
        assertEquals(key, e.parameter().key());
    }
}
