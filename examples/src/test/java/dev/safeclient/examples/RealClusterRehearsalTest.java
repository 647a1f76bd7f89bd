package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.examples.RealClusterRehearsal.Measurement;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import dev.safeclient.testing.fleet.FleetCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-cluster mode's plumbing and arithmetic, against a KubeSim reached through a kubeconfig
 * file: what it counts on the wire is what the server sent.
 */
class RealClusterRehearsalTest {
  @Test
  void measuresOneAgentOnTheWireAndExtrapolates(@TempDir Path dir) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      FleetCluster.seed(sim, 4, 10);
      Path kubeconfig = dir.resolve("config");
      Files.writeString(
          kubeconfig,
          String.join(
              "\n",
              "apiVersion: v1",
              "kind: Config",
              "clusters:",
              "- name: sim",
              "  cluster:",
              "    server: " + sim.url(),
              "contexts:",
              "- name: sim",
              "  context:",
              "    cluster: sim",
              "    user: sim",
              "current-context: sim",
              "users:",
              "- name: sim",
              "  user:",
              "    token: rehearsal-token",
              ""));
      FleetOptions options =
          FleetOptions.parse(
              "--kubeconfig",
              kubeconfig.toString(),
              "--nodes",
              "1000",
              "--node",
              "node-2",
              "--observe",
              "1");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      sim.resetStats();

      Measurement m =
          RealClusterRehearsal.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));

      KubeSimStats stats = sim.stats();
      // One naive list; /version and the agent's own list for the SafeClient (quiet pods on 1.30
      // pass through, unprobed); list + watch (at least) for the informer.
      assertThat(m.naivePass().requests()).isEqualTo(1);
      assertThat(m.safeClientPass().requests()).isEqualTo(2);
      assertThat(m.informerStart().requests()).isGreaterThanOrEqualTo(2);
      assertThat(stats.requests("list", "pods")).isEqualTo(3);
      // The naive pass read the whole cluster: 40 pods' worth of bytes, as the server counted.
      assertThat(m.naivePass().bytes()).isGreaterThan(40 * 1000L);
      long measured =
          m.naivePass().bytes()
              + m.safeClientPass().bytes()
              + m.informerStart().bytes()
              + m.informerPerMinute().bytes() * m.observed().toMillis() / 60_000;
      assertThat(measured).isBetween(stats.bytesSent() - 1000, stats.bytesSent());
      assertThat(m.fleet()).isEqualTo(1000);
      String out = bytes.toString(StandardCharsets.UTF_8);
      assertThat(out)
          .contains("× 1,000 (extrapolated linearly")
          .contains(String.format("%,d*", 1000L))
          .contains("SC101 at dev.safeclient.examples.NaiveNodeAgent.listAllPods");
    }
  }
}
