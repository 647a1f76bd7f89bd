package dev.safeclient.testing.internal;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link RealApiserverTest}: checks that a real server can be started
 * (skipping with the reason outside the profile, failing inside it) and resolves {@link
 * RealApiserver} parameters to the JVM's shared server of the annotated version.
 */
public final class RealApiserverExtension implements BeforeAllCallback, ParameterResolver {
  @Override
  public void beforeAll(ExtensionContext context) {
    RealApiserverTest a = context.getRequiredTestClass().getAnnotation(RealApiserverTest.class);
    requireAvailable(a == null ? "v1.34" : a.version());
  }

  /**
   * Skips the calling test (outside the profile) or fails it (inside) if no server of {@code pin}
   * can be started here.
   */
  public static void requireAvailable(String pin) {
    RealApiserver.Availability available = RealApiserver.available(pin);
    if (RealApiserver.required()) {
      Assertions.assertTrue(available.ok(), available::detail);
    } else {
      Assumptions.assumeTrue(available.ok(), available::detail);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == RealApiserver.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    RealApiserverTest a = e.getRequiredTestClass().getAnnotation(RealApiserverTest.class);
    return RealApiserver.shared(a == null ? "v1.34" : a.version());
  }
}
