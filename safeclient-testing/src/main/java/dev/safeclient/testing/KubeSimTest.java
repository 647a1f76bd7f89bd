package dev.safeclient.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one {@link KubeSim} per test class and injects it into {@code KubeSim} parameters and
 * fields. For options beyond these, build your own with {@link KubeSim#builder()}.
 *
 * <pre>{@code
 * @KubeSimTest(serverVersion = "1.31")
 * class MyAgentTest {
 *   @Test
 *   void listsOnlyItsNode(KubeSim sim) { ... sim.stats() ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KubeSimExtension.class)
public @interface KubeSimTest {
  /** The simulated server version. */
  String serverVersion() default "1.30";

  /** Simulated apiservers behind the one URL. */
  int apiservers() default 1;

  /** Bookmark interval in milliseconds (60 s on a real apiserver). */
  long bookmarkIntervalMillis() default 60_000;
}
