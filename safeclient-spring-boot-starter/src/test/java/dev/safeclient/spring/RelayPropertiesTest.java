package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code safeclient.relay.*} reaches core's builder, as a {@link RelayRoute}. */
class RelayPropertiesTest {
  @TempDir Path tmp;
  ApplicationContextRunner runner;
  Path ca;
  Path token;

  @BeforeEach
  void setUp() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path kubeconfig = TestKubeconfig.write(tmp, "https://main.invalid:6443");
    // A self-signed CA in PEM, as a mounted relay CA file holds.
    ca = Path.of("src/test/resources/relay-ca.crt");
    token = tmp.resolve("token");
    Files.writeString(token, "relay-token");
    runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues("safeclient.kubeconfig=" + kubeconfig);
  }

  @Test
  void withoutAUrlThereIsNoRelay() {
    runner.run(ctx -> assertThat(ctx.getBean(SafeClient.class).config().relay()).isEmpty());
  }

  @Test
  void thePropertiesBecomeTheClientsRelayRoute() {
    runner
        .withPropertyValues(
            "safeclient.relay.url=https://relay.example:8443/",
            "safeclient.relay.ca-file=" + ca,
            "safeclient.relay.token-file=" + token,
            "safeclient.relay.resources=v1/pods,discovery.k8s.io/v1/endpointslices",
            "safeclient.relay.direct-fallback=true")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              RelayRoute route = ctx.getBean(SafeClient.class).config().relay().orElseThrow();
              assertThat(route.url()).isEqualTo(URI.create("https://relay.example:8443/"));
              assertThat(route.tokenFile()).isEqualTo(token);
              assertThat(route.caPem()).isEqualTo(Files.readAllBytes(ca));
              assertThat(route.resources())
                  .containsExactly("v1/pods", "discovery.k8s.io/v1/endpointslices");
              assertThat(route.directFallback()).isTrue();
              assertThat(route.fallbackAfter()).isEqualTo(RelayRoute.DEFAULT_FALLBACK_AFTER);
            });
  }

  @Test
  void theFallbackIsOffByDefault() {
    runner
        .withPropertyValues(
            "safeclient.relay.url=https://relay.example:8443",
            "safeclient.relay.ca-file=" + ca,
            "safeclient.relay.token-file=" + token,
            "safeclient.relay.resources=v1/pods")
        .run(
            ctx ->
                assertThat(
                        ctx.getBean(SafeClient.class)
                            .config()
                            .relay()
                            .orElseThrow()
                            .directFallback())
                    .isFalse());
  }

  @Test
  void withoutItsFilesTheRelayReadsCoresDefaultMountsAndSaysWhereItLooked() {
    assumeThat(Files.exists(RelayRoute.DEFAULT_CA_FILE)).isFalse();
    assumeThat(Files.exists(RelayRoute.DEFAULT_TOKEN_FILE)).isFalse();
    runner
        .withPropertyValues(
            "safeclient.relay.url=https://relay.example:8443", "safeclient.relay.resources=v1/pods")
        .run(
            ctx ->
                assertRefused(
                    ctx,
                    "safeclient.relay.ca-file, safeclient.relay.token-file",
                    "the relay's CA is read from " + RelayRoute.DEFAULT_CA_FILE));
  }

  @Test
  void withoutItsTokenFileTheRelayReadsCoresDefaultTokenMount() {
    assumeThat(Files.exists(RelayRoute.DEFAULT_TOKEN_FILE)).isFalse();
    runner
        .withPropertyValues(
            "safeclient.relay.url=https://relay.example:8443",
            "safeclient.relay.ca-file=" + ca,
            "safeclient.relay.resources=v1/pods")
        .run(
            ctx ->
                assertRefused(
                    ctx,
                    "safeclient.relay.token-file",
                    "the relay's token is read from " + RelayRoute.DEFAULT_TOKEN_FILE));
  }

  @Test
  void withoutResourcesStartupFailsNamingTheProperty() {
    runner
        .withPropertyValues(
            "safeclient.relay.url=https://relay.example:8443",
            "safeclient.relay.ca-file=" + ca,
            "safeclient.relay.token-file=" + token)
        .run(ctx -> assertRefused(ctx, "safeclient.relay.resources", ""));
  }

  /** Startup failed on {@code property}, with a message that says {@code says}. */
  private static void assertRefused(
      AssertableApplicationContext ctx, String property, String says) {
    assertThat(ctx)
        .getFailure()
        .rootCause()
        .isInstanceOfSatisfying(
            InvalidSafeClientPropertyException.class,
            e -> {
              assertThat(e.property()).isEqualTo(property);
              assertThat(e.getMessage()).contains(says);
            });
  }
}
