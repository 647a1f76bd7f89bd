package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.informer.InformerOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.info.InfoContributorAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Every default the configuration metadata states (what IDEs show) is the value a client built from
 * empty properties actually has, so that a copied default can never drift from core's again.
 */
class ConfigurationMetadataDefaultsTest {
  /**
   * Properties whose default is not one value, each stated in its description instead: derived from
   * the environment, or off unless set.
   */
  private static final Set<String> NO_FIXED_DEFAULT =
      Set.of(
          "safeclient.user-agent", // spring.application.name, else core's derived one
          "safeclient.node-name", // $NODE_NAME
          "safeclient.kubeconfig", // $KUBECONFIG, ~/.kube/config, in-cluster
          "safeclient.context", // the kubeconfig's current-context
          "safeclient.informer.start-jitter", // 10 s with NODE_NAME, else none
          "safeclient.health.readiness.staleness-threshold", // off unless set
          "safeclient.relay.url", // no relay
          "safeclient.relay.resources", // with the relay only
          "safeclient.rules", // no overrides
          "safeclient.informers"); // none declared

  @TempDir Path tmp;

  /** What a client, an informer or the starter has when nothing is set, by property. */
  private static Map<String, Function<Actual, Object>> actualValues() {
    Map<String, Function<Actual, Object>> m = new LinkedHashMap<>();
    m.put("safeclient.mode", a -> a.config.mode());
    m.put("safeclient.qps", a -> a.config.qps());
    m.put("safeclient.burst", a -> a.config.burst());
    m.put("safeclient.list-cost-per-second", a -> a.config.listCostPerSecond());
    m.put("safeclient.max-in-flight", a -> a.config.maxInFlight());
    m.put("safeclient.max-watches", a -> a.config.maxWatches());
    m.put("safeclient.list-page-size", a -> a.config.listPageSize());
    m.put("safeclient.allow-stale-list-reads", a -> a.config.allowStaleListReads());
    m.put("safeclient.protobuf.enabled", a -> a.config.protobuf());
    m.put("safeclient.warning-interval", a -> a.config.warningInterval());
    m.put("safeclient.max-budget-wait", a -> a.config.maxBudgetWait());
    m.put("safeclient.call-timeout", a -> a.config.callTimeout());
    m.put("safeclient.ping-interval", a -> a.config.pingInterval());
    m.put("safeclient.breaker.enabled", a -> a.config.breakerEnabled());
    m.put("safeclient.relay.direct-fallback", a -> a.properties.relay().directFallback());
    // Unset, core's route reads them from its default mounts (RelayPropertiesTest shows it).
    m.put("safeclient.relay.ca-file", a -> RelayRoute.DEFAULT_CA_FILE);
    m.put("safeclient.relay.token-file", a -> RelayRoute.DEFAULT_TOKEN_FILE);
    m.put("safeclient.breaker.open-duration", a -> a.config.breakerOpenDuration());
    m.put("safeclient.breaker.failure-rate-threshold", a -> a.config.breakerFailureRateThreshold());
    m.put("safeclient.informer.strip-managed-fields", a -> a.informer.stripManagedFields());
    m.put("safeclient.informer.watch-list", a -> a.informer.watchList());
    m.put("safeclient.informer.sync-timeout", a -> a.properties.informer().syncTimeout());
    m.put("safeclient.lazy", a -> a.properties.lazy());
    m.put(
        "safeclient.health.readiness.allow-short-staleness-threshold-for-tests",
        a -> a.properties.health().readiness().allowShortStalenessThresholdForTests());
    m.put(
        "management.health.safeclient-informers.enabled",
        a -> a.context.containsBean("safeclientInformersHealthIndicator"));
    m.put(
        "management.info.safeclient.enabled",
        a -> a.context.getBeanNamesForType(SafeClientInfoContributor.class).length == 1);
    return m;
  }

  private record Actual(
      SafeClientConfig config,
      InformerOptions informer,
      SafeClientProperties properties,
      AssertableApplicationContext context) {}

  @Test
  void everyDocumentedDefaultIsTheValueOfAClientBuiltFromEmptyProperties() throws Exception {
    List<Map<String, Object>> properties = generatedProperties();
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    properties.forEach(p -> byName.put((String) p.get("name"), p));

    Set<String> withoutDefault = new TreeSet<>();
    byName.forEach(
        (name, p) -> {
          if (!p.containsKey("defaultValue") && !NO_FIXED_DEFAULT.contains(name)) {
            withoutDefault.add(name);
          }
        });
    assertThat(withoutDefault).as("properties whose default IDEs cannot see").isEmpty();
    Set<String> documented = new TreeSet<>();
    byName.forEach(
        (name, p) -> {
          if (p.containsKey("defaultValue")) {
            documented.add(name);
          }
        });
    Map<String, Function<Actual, Object>> actual = actualValues();
    assertThat(documented)
        .as("every documented default is compared below")
        .isEqualTo(new TreeSet<>(actual.keySet()));
    assertThat(NO_FIXED_DEFAULT).allSatisfy(name -> assertThat(byName).containsKey(name));

    Path home = Files.createDirectories(tmp.resolve("home"));
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                SafeClientAutoConfiguration.class,
                SafeClientActuatorAutoConfiguration.class,
                EndpointAutoConfiguration.class,
                HealthContributorAutoConfiguration.class,
                HealthEndpointAutoConfiguration.class,
                InfoContributorAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(home))
        // The one property a client needs to be built at all; it has no default to compare.
        .withPropertyValues(
            "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              SafeClientProperties props = ctx.getBean(SafeClientProperties.class);
              SafeClient client = ctx.getBean(SafeClient.class);
              Actual starter =
                  new Actual(
                      client.config(),
                      ctx.getBean(DeclaredInformers.class)
                          .options(
                              new SafeClientProperties.DeclaredInformer(
                                  null, "pods", null, null, null, null, null, true, null, null,
                                  null)),
                      props,
                      ctx);
              // The starter states each default itself, so it is compared with the builders' own
              // too: a client and informer options that core built with nothing set.
              try (SafeClient bare = SafeClient.builder(client.base()).build()) {
                Actual core = new Actual(bare.config(), InformerOptions.defaults(), props, ctx);
                ApplicationConversionService conversion = new ApplicationConversionService();
                // The binder reads a Path with PathEditor, which the conversion service lacks.
                conversion.addConverter(String.class, Path.class, s -> Path.of(s));
                for (String name : documented) {
                  Map<String, Object> p = byName.get(name);
                  Class<?> type = Class.forName((String) p.get("type"));
                  Object stated = conversion.convert(p.get("defaultValue"), type);
                  assertThat(actual.get(name).apply(starter))
                      .as("%s: metadata says %s", name, p.get("defaultValue"))
                      .isEqualTo(stated);
                  assertThat(actual.get(name).apply(core))
                      .as("%s: metadata says %s, core's builders", name, p.get("defaultValue"))
                      .isEqualTo(stated);
                }
              }
            });
  }

  @Test
  void theBreakerOpenDurationIsStatedAsCoresFiveSeconds() throws Exception {
    Map<String, Object> p =
        generatedProperties().stream()
            .filter(e -> "safeclient.breaker.open-duration".equals(e.get("name")))
            .findFirst()
            .orElseThrow();
    assertThat(p.get("defaultValue")).isEqualTo("5s");
    assertThat((String) p.get("description")).doesNotContain("30");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> generatedProperties() throws Exception {
    try (InputStream in =
        ConfigurationMetadataDefaultsTest.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
      Map<String, Object> json =
          JsonParserFactory.getJsonParser()
              .parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return (List<Map<String, Object>>) json.get("properties");
    }
  }
}
