package dev.safeclient.testing;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.openapi.ApiClient;

/**
 * One KubeSim with the three clients the conformance tests speak through: raw HTTP ({@link Wire}),
 * fabric8 7.9.0 on its JDK HTTP client (no retries, so a refusal reaches the test as sent), and
 * client-java.
 */
final class SimClients implements AutoCloseable {
  final KubeSim sim;
  final Wire wire;
  final KubernetesClient fabric8;
  final ApiClient clientJava;

  SimClients(KubeSim sim) {
    this.sim = sim;
    this.wire = new Wire(sim);
    this.fabric8 =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    this.clientJava = sim.apiClient();
  }

  SimClients() {
    this(KubeSim.builder().build());
  }

  @Override
  public void close() {
    fabric8.close();
    sim.close();
  }
}
