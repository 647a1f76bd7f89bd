package dev.safeclient.testing.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs a {@link RealApiserver}. It is tagged {@code real-apiserver}, which
 * the default build excludes and the Maven profile {@code real-apiserver} runs. Outside the
 * profile, without binaries, the class is skipped with the reason; inside it, a missing binary
 * fails it. A {@code RealApiserver} parameter gets the JVM's shared server of {@link #version()};
 * tests that span versions call {@link RealApiserver#shared(String)} themselves.
 *
 * <pre>{@code
 * @RealApiserverTest(version = "v1.30")
 * class NodeScopedListTest {
 *   @Test
 *   void listsOnlyItsNode(RealApiserver server) { ... server.bill() ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(RealApiserverTest.TAG)
@ExtendWith(RealApiserverExtension.class)
public @interface RealApiserverTest {
  String TAG = "real-apiserver";

  /** The pinned release directory under {@code realserver/}, e.g. {@code v1.34}. */
  String version() default "v1.34";
}
