package dev.safeclient.appcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.safeclient.core.SafeClient;
import dev.safeclient.spring.DeclaredInformers;
import dev.safeclient.testing.KubeSim;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import kotlin.KotlinVersion;
import okhttp3.OkHttp;
import org.eclipse.jetty.util.Jetty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The app starts, its declared informer syncs against KubeSim and its safe client reads through the
 * pipeline, on the versions a Spring Boot 3.5.7 app resolves with the README's pins, and those
 * versions are at least the ones the reactor builds and tests the starter with. A Boot release or a
 * dependency bump that makes the combination break fails here.
 */
@SpringBootTest(classes = CheckApplication.class)
class ResolvedVersionsTest {
  private static final KubeSim SIM = KubeSim.builder().serverVersion("1.34").build();

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) throws IOException {
    SIM.create(
        "v1",
        "pods",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\","
            + "\"namespace\":\"default\"},\"spec\":{\"nodeName\":\"node-1\","
            + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
    Path kubeconfig = Files.createTempFile("app-check-kubeconfig", ".yaml");
    kubeconfig.toFile().deleteOnExit();
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sim
          cluster: {server: %s}
        contexts:
        - name: sim
          context: {cluster: sim, user: u}
        current-context: sim
        users:
        - name: u
          user: {token: app-check}
        """
            .formatted(SIM.url()));
    registry.add("safeclient.kubeconfig", kubeconfig::toString);
  }

  @AfterAll
  static void stopSim() {
    SIM.close();
  }

  @Autowired DeclaredInformers informers;
  @Autowired SafeClient safeClient;

  @Test
  void theAppWorksOnTheVersionsItResolved() throws Exception {
    SharedIndexInformer<V1Pod> pods = informers.informer("pods");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!pods.hasSynced() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(pods.hasSynced()).as("the declared informer synced").isTrue();
    assertThat(pods.getIndexer().listKeys()).containsExactly("default/web-1");
    assertThat(
            new CoreV1Api(safeClient.apiClient())
                .readNamespacedPod("web-1", "default")
                .execute()
                .getSpec()
                .getNodeName())
        .isEqualTo("node-1");
  }

  @Test
  void kotlinStdlibIsAtLeastWhatOkHttpWasBuiltAgainst() {
    assertAtLeast("kotlin-stdlib", KotlinVersion.CURRENT.toString(), "pinned.kotlin.version");
  }

  @Test
  void caffeineIsAtLeastTheReactors() {
    assertAtLeast(
        "Caffeine",
        Caffeine.class.getPackage().getImplementationVersion(),
        "pinned.caffeine.version");
  }

  @Test
  void jettyForKubeSimIsAtLeastTheReactors() {
    assertAtLeast("Jetty", Jetty.VERSION, "pinned.jetty.version");
  }

  @Test
  void okHttpIsTheOneTheStarterWasBuiltWith() {
    String expected = RootPom.property("okhttp.version");
    assertThat(OkHttp.VERSION).as("OkHttp resolved in a Boot app").isEqualTo(expected);
  }

  /**
   * {@code resolved} (what the running app loaded) is at least the reactor's version, and the app's
   * pin (what the README tells users to set) is that version.
   */
  private static void assertAtLeast(String what, String resolved, String pinProperty) {
    String reactor = RootPom.property(pinProperty.substring("pinned.".length()));
    assertThat(System.getProperty(pinProperty)).as("the app's pin of " + what).isEqualTo(reactor);
    assertThat(resolved).as(what + " on the class path").isNotNull();
    assertThat(compare(resolved, reactor))
        .as("%s resolved %s, the starter needs at least %s", what, resolved, reactor)
        .isGreaterThanOrEqualTo(0);
  }

  /** Compares dotted numeric versions ("2.1.21", "12.1.13"); a qualifier after '-' is ignored. */
  static int compare(String a, String b) {
    List<Integer> x = numbers(a);
    List<Integer> y = numbers(b);
    for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
      int c = Integer.compare(i < x.size() ? x.get(i) : 0, i < y.size() ? y.get(i) : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static List<Integer> numbers(String version) {
    return Arrays.stream(version.split("-")[0].split("\\.")).map(Integer::parseInt).toList();
  }

  @Test
  void versionsCompareNumerically() {
    assertThat(compare("1.9.25", "2.1.21")).isNegative();
    assertThat(compare("12.0.29", "12.1.13")).isNegative();
    assertThat(compare("3.2.10", "3.2.4")).isPositive();
    assertThat(compare("2.1.21", "2.1.21")).isZero();
  }

  static Path root() {
    String root = System.getProperty("safeclient.root");
    if (root == null) {
      throw new UncheckedIOException(new IOException("safeclient.root is not set by surefire"));
    }
    return Path.of(root).toAbsolutePath().normalize();
  }
}
