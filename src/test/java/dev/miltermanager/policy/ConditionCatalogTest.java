package dev.miltermanager.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.testsupport.LimitConditions;
import dev.miltermanager.testsupport.ServiceClassLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConditionCatalogTest {

    @TempDir
    Path dir;

    /** A policy named by class. */
    public static final class NeverPolicy implements ApplicabilityPolicy {
        @Override
        public boolean applies(PolicyContext context) {
            return false;
        }
    }

    /** Not a policy. */
    public static final class NotAPolicy {}

    private ClassLoader loaderWith(Class<?>... providers) throws IOException {
        return ServiceClassLoader.of(dir, ConditionProvider.class, providers);
    }

    @Test
    void findsProvidersThroughServiceLoaderAndCreatesThemFromTheirParameters() throws IOException {
        ConditionCatalog catalog = ConditionCatalog.load(loaderWith(LimitConditions.class),
                List.of(new ConditionParameter("limit.max", "3", "a.conf:4")));
        assertTrue(catalog.names().containsAll(List.of("Under Limit", "Over Limit")));
        assertEquals("Over Limit of active sessions", catalog.description("over limit").orElseThrow());
        ApplicabilityPolicy under = catalog.get("Under Limit");
        assertSame(under, catalog.get("under limit"));
        assertFalse(catalog.description("Nothing").isPresent());
    }

    @Test
    void aBadValueNamesItsOriginAndWhatWasExpected() throws IOException {
        ClassLoader loader = loaderWith(LimitConditions.class);
        var e = assertThrows(InvalidConditionParameterException.class, () -> ConditionCatalog.load(loader,
                List.of(new ConditionParameter("limit.max", "many", "/etc/mm/milter-manager.conf:12"))));
        assertEquals("/etc/mm/milter-manager.conf:12: limit.max = many: expected a whole number", e.getMessage());
        assertEquals("limit.max", e.parameter().key());
    }

    @Test
    void anUnknownKeyOfAKnownPrefixIsRefused() throws IOException {
        ClassLoader loader = loaderWith(LimitConditions.class);
        var e = assertThrows(InvalidConditionParameterException.class, () -> ConditionCatalog.load(loader,
                List.of(new ConditionParameter("limit.maximum", "3", "b.conf:1"))));
        assertEquals("b.conf:1: limit.maximum = 3: expected one of [limit.max]", e.getMessage());
    }

    @Test
    void aPrefixNoProviderClaimsIsRefused() throws IOException {
        ClassLoader loader = loaderWith(LimitConditions.class);
        var e = assertThrows(InvalidConditionParameterException.class, () -> ConditionCatalog.load(loader,
                List.of(new ConditionParameter("nolimit.max", "3", "c.conf:2"))));
        assertTrue(e.getMessage().startsWith("c.conf:2: nolimit.max = 3: expected a parameter of a condition"),
                e.getMessage());
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }

    @Test
    void aClassNameGivesOneInstancePerCatalog() throws IOException {
        ConditionCatalog catalog = ConditionCatalog.load(loaderWith(), List.of());
        ApplicabilityPolicy never = catalog.get(NeverPolicy.class.getName());
        assertTrue(never instanceof NeverPolicy);
        assertSame(never, catalog.get(NeverPolicy.class.getName()));
    }

    @Test
    void unknownNamesAndUnsuitableClassesAreRefusedWithTheKnownNames() throws IOException {
        ConditionCatalog catalog = ConditionCatalog.load(loaderWith(LimitConditions.class), List.of());
        var unknown = assertThrows(IllegalArgumentException.class, () -> catalog.get("S26R"));
        assertTrue(unknown.getMessage().startsWith("unknown applicable condition: S26R; expected one of ["),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("Under Limit"), unknown.getMessage());
        var noClass = assertThrows(IllegalArgumentException.class, () -> catalog.get("com.example.Missing"));
        assertTrue(noClass.getMessage().contains("no such class"), noClass.getMessage());
        var notPolicy = assertThrows(IllegalArgumentException.class, () -> catalog.get(NotAPolicy.class.getName()));
        assertTrue(notPolicy.getMessage().contains("does not implement"), notPolicy.getMessage());
    }

    @Test
    void twoProvidersMayNotClaimOnePrefix() throws IOException {
        ClassLoader loader = loaderWith(LimitConditions.class, LimitConditions.class);
        // ServiceLoader lists a class once even when named twice, so the same provider is no conflict.
        assertEquals(1, ConditionCatalog.load(loader, List.of()).names().stream()
                .filter("Under Limit"::equals).count());
    }
}
