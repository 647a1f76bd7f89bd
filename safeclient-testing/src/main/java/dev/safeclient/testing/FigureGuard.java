package dev.safeclient.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that guards a figure a results file claims: an exact count on a virtual clock,
 * or a ratio safeclient ÷ plain client-java measured in one JVM under a ceiling; never a wall-clock
 * time. It is tagged {@code guard}, which the default build excludes and the Maven profile {@code
 * guards} runs ({@code .ci/run} runs it on every change, timed apart).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(FigureGuard.TAG)
public @interface FigureGuard {
  String TAG = "guard";

  /**
   * The results files (paths from the repository root) whose figures this class re-checks; each
   * names the commit it was measured on and the command that re-measures it.
   */
  String[] protects();
}
