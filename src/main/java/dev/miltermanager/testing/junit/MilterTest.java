package dev.miltermanager.testing.junit;

import dev.miltermanager.testing.MtaProfile;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class or method with {@link MilterTestExtension}: parameters of type
 * {@link dev.miltermanager.testing.MilterKit}, {@link dev.miltermanager.testing.MtaSimulator} and
 * {@link dev.miltermanager.testing.FakeMilter} are injected, and everything made through the kit is closed after
 * the test, pass or fail.
 *
 * {@snippet :
 * @MilterTest(profile = MtaProfile.SENDMAIL)
 * class MyMilterTest {
 *     @Test
 *     void addsTheHeader(MilterKit kit) { ... }
 * }
 * }
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(MilterTestExtension.class)
public @interface MilterTest {

    /** The MTA the injected simulator behaves as (a method's annotation wins over its class's). */
    MtaProfile profile() default MtaProfile.POSTFIX;
}
