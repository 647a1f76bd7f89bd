package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.net.URL;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The starter's public types are what an application uses: the auto-configurations (public, as
 * {@code AutoConfiguration.imports} requires), the properties, the declared informers, the builder
 * customizer and the exceptions startup or first use may throw. Anything else stays
 * package-private.
 */
class PublicSurfaceTest {
  private static final Set<String> INTENDED =
      Set.of(
          "DeclaredInformers",
          "DeclaredInformers$Declared",
          "InvalidSafeClientPropertyException",
          "NoClusterConfigurationException",
          "SafeClientActuatorAutoConfiguration",
          "SafeClientAutoConfiguration",
          "SafeClientBuilderCustomizer",
          "SafeClientMetricsAutoConfiguration",
          "SafeClientProperties",
          "SafeClientProperties$Breaker",
          "SafeClientProperties$Relay",
          "SafeClientProperties$DeclaredInformer",
          "SafeClientProperties$Health",
          "SafeClientProperties$Informer",
          "SafeClientProperties$Protobuf",
          "SafeClientProperties$Readiness",
          "SafeClientProperties$Rule");

  @Test
  void onlyTheIntendedTypesArePublic() throws Exception {
    URL main =
        SafeClientAutoConfiguration.class.getProtectionDomain().getCodeSource().getLocation();
    Set<String> found = new TreeSet<>();
    for (Resource r :
        new PathMatchingResourcePatternResolver()
            .getResources("classpath*:dev/safeclient/spring/*.class")) {
      if (!r.getURL().toString().startsWith(main.toString())) {
        continue; // a test class
      }
      String simple = r.getFilename().replace(".class", "");
      Class<?> c = Class.forName("dev.safeclient.spring." + simple);
      if (isPublicAllTheWayOut(c)) {
        found.add(simple);
      }
    }
    assertThat(found).hasSizeGreaterThan(5).isEqualTo(new TreeSet<>(INTENDED));
  }

  private static boolean isPublicAllTheWayOut(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return !c.isAnonymousClass() && !c.isSynthetic();
  }
}
