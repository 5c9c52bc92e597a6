package dev.miltermanager.testing.junit;

import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.MilterKit;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSimulator;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link MilterTest} (also usable with {@code @ExtendWith}). One
 * {@link MilterKit} per test (or per class, for {@code @BeforeAll} parameters), created on first injection:
 * <ul>
 *   <li>{@code MilterKit}: the kit itself, to start fake milters and managers and open MTA sessions;</li>
 *   <li>{@code MtaSimulator}: the kit's simulator, with the profile of {@link MilterTest#profile()};</li>
 *   <li>{@code FakeMilter}: a started fake milter with the defaults (a new one per parameter).</li>
 * </ul>
 * The kit, and so everything made through it, is closed after each test (after all tests for a class-level kit),
 * whatever the outcome.
 */
public final class MilterTestExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(MilterTestExtension.class);
    private static final String KIT = "kit";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == MilterKit.class || type == MtaSimulator.class || type == FakeMilter.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        MilterKit kit = kit(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == MilterKit.class) {
            return kit;
        }
        if (type == MtaSimulator.class) {
            return kit.simulator();
        }
        if (type == FakeMilter.class) {
            return kit.fakeMilter();
        }
        throw new ParameterResolutionException("cannot inject " + type.getName());
    }

    private static MilterKit kit(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        MilterKit kit = store.get(KIT, MilterKit.class);
        if (kit == null) {
            kit = MilterKit.create(profile(context));
            store.put(KIT, kit);
        }
        return kit;
    }

    private static MtaProfile profile(ExtensionContext context) {
        Optional<MilterTest> onMethod = context.getTestMethod()
                .flatMap(method -> AnnotationSupport.findAnnotation(method, MilterTest.class));
        return onMethod.or(() -> context.getTestClass()
                        .flatMap(type -> AnnotationSupport.findAnnotation(type, MilterTest.class)))
                .map(MilterTest::profile).orElse(MtaProfile.POSTFIX);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeKit(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeKit(context);
    }

    private static void closeKit(ExtensionContext context) {
        MilterKit kit = context.getStore(NAMESPACE).remove(KIT, MilterKit.class);
        if (kit != null) {
            kit.close();
        }
    }
}
