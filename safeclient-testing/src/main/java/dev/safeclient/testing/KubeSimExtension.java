package dev.safeclient.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

/**
 * The JUnit 5 extension behind {@link KubeSimTest}: one sim per test class, closed with the class.
 * junit-jupiter-api is a provided dependency of this module: tests have it anyway.
 */
public final class KubeSimExtension
    implements BeforeAllCallback, ParameterResolver, TestInstancePostProcessor {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(KubeSimExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IllegalAccessException {
    KubeSim sim = sim(context);
    for (Field f : context.getRequiredTestClass().getDeclaredFields()) {
      if (f.getType() == KubeSim.class && Modifier.isStatic(f.getModifiers())) {
        f.setAccessible(true);
        f.set(null, sim);
      }
    }
  }

  @Override
  public void postProcessTestInstance(Object testInstance, ExtensionContext context)
      throws IllegalAccessException {
    KubeSim sim = sim(context);
    for (Field f : testInstance.getClass().getDeclaredFields()) {
      if (f.getType() == KubeSim.class && !Modifier.isStatic(f.getModifiers())) {
        f.setAccessible(true);
        f.set(testInstance, sim);
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == KubeSim.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return sim(e);
  }

  private static KubeSim sim(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    ExtensionContext classContext = context;
    while (classContext.getParent().isPresent()
        && classContext.getParent().get().getTestClass().isPresent()
        && classContext.getTestMethod().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext
        .getStore(NS)
        .getOrComputeIfAbsent(testClass.getName(), k -> new Holder(build(testClass)), Holder.class)
        .sim;
  }

  private static KubeSim build(Class<?> testClass) {
    KubeSimTest a = testClass.getAnnotation(KubeSimTest.class);
    KubeSim.Builder b = KubeSim.builder();
    if (a != null) {
      b.serverVersion(a.serverVersion())
          .apiservers(a.apiservers())
          .bookmarkInterval(Duration.ofMillis(a.bookmarkIntervalMillis()));
    }
    return b.build();
  }

  /** Closes the sim when the class's store closes. */
  private static final class Holder implements ExtensionContext.Store.CloseableResource {
    final KubeSim sim;

    Holder(KubeSim sim) {
      this.sim = sim;
    }

    @Override
    public void close() {
      sim.close();
    }
  }
}
