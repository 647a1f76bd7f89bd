package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * An invalid setting fails while Spring binds the properties record, wrapped in Boot's
 * BindException: of every analyzer Boot would ask, in Boot's order, the first to answer must be the
 * starter's, which names the setting and its remedy.
 */
class InvalidPropertyAnalysisTest {
  @Test
  void theStartersAnalysisIsTheOneShown(@TempDir Path tmp) throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path kubeconfig = TestKubeconfig.write(tmp, "https://main.invalid:6443");
    AtomicReference<Throwable> failure = new AtomicReference<>();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(home))
        .withPropertyValues(
            "safeclient.kubeconfig=" + kubeconfig, "safeclient.rules.X1.mode=OBSERVE")
        .run(ctx -> failure.set(ctx.getStartupFailure()));
    assertThat(failure.get()).isNotNull();
    // Boot skips the analyzers it cannot build without its context (it logs them); so does this.
    List<FailureAnalyzer> analyzers =
        SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
            .load(
                FailureAnalyzer.class,
                SpringFactoriesLoader.FailureHandler.handleMessage((message, cause) -> {}));
    FailureAnalyzer first =
        analyzers.stream().filter(a -> a.analyze(failure.get()) != null).findFirst().orElseThrow();
    assertThat(first).isInstanceOf(InvalidSafeClientPropertyFailureAnalyzer.class);
    FailureAnalysis shown = Objects.requireNonNull(first.analyze(failure.get()));
    assertThat(shown.getDescription()).startsWith("Invalid safeclient setting").contains("X1");
  }
}
