package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/**
 * What a user sees when startup stops on a bad setting: Spring Boot's "APPLICATION FAILED TO START"
 * report with a description and an action, from a real {@link SpringApplication} with the analyzers
 * {@code META-INF/spring.factories} registers, and no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureReportTest {
  @TempDir Path tmp;
  private List<String> args;

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(SafeClientAutoConfiguration.class)
  static class App {}

  @BeforeEach
  void setUp() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    args = new ArrayList<>();
    for (String p : TestKubeconfig.isolated(home)) {
      args.add("--" + p);
    }
    args.add("--spring.main.banner-mode=off");
  }

  private void start(String... settings) {
    List<String> all = new ArrayList<>(args);
    for (String s : settings) {
      all.add("--" + s);
    }
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    assertThatThrownBy(() -> app.run(all.toArray(String[]::new)).close())
        .isInstanceOf(RuntimeException.class);
  }

  private static String report(CapturedOutput output) {
    String all = output.getAll();
    int at = all.indexOf("APPLICATION FAILED TO START");
    assertThat(at).as("Spring Boot's failure report in:%n%s", all).isNotNegative();
    return all.substring(at);
  }

  private static void assertNoStackTrace(CapturedOutput output) {
    assertThat(output.getAll()).doesNotContain("\tat ").doesNotContain("Caused by:");
  }

  @Test
  void aStalenessThresholdUnderThreeMinutes(CapturedOutput output) {
    start(
        "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"),
        "safeclient.health.readiness.staleness-threshold=1m");
    String report = report(output);
    assertThat(report)
        .contains(
            "Description:",
            "Invalid safeclient setting safeclient.health.readiness.staleness-threshold: it is"
                + " 1m, below the minimum of 3m.",
            "Action:",
            "Set safeclient.health.readiness.staleness-threshold to at least 3m, or remove it");
    assertNoStackTrace(output);
  }

  @Test
  void anUnknownInformerResource(CapturedOutput output) {
    start(
        "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"),
        "safeclient.informers[0].resource=pod");
    assertThat(report(output))
        .contains(
            "Invalid safeclient setting safeclient.informers[0].resource: 'pod' is not a"
                + " built-in resource the starter knows. It knows: pods, services,",
            "Action:",
            "Did you mean 'pods'? Name a built-in by its plural, or, for another resource (a"
                + " CRD), set safeclient.informers[0].type, .list-type, .group and .version.");
    assertNoStackTrace(output);
  }

  @Test
  void aValueTheClientBuilderRefuses(CapturedOutput output) {
    start(
        "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"),
        "safeclient.qps=0");
    assertThat(report(output))
        .contains(
            "Invalid safeclient setting safeclient.qps: qps must be > 0: 0.0.",
            "Action:",
            "Change safeclient.qps, or remove it to keep the default.");
    assertNoStackTrace(output);
  }

  @Test
  void noClusterConfiguration(CapturedOutput output) {
    start();
    assertThat(report(output))
        .contains(
            "No Kubernetes configuration found (safeclient never falls back to"
                + " http://localhost:8080). Looked at:",
            "Action:",
            "set safeclient.lazy=true to start without a cluster.");
    assertNoStackTrace(output);
  }
}
