package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** After close(), no thread that KubeSim started remains: counted, not guessed by name. */
class KubeSimCloseTest {
  @Test
  void closeLeavesNoThreadItStarted() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    KubeSim sim = KubeSim.start();
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create(sim.url() + "/api/v1/namespaces/default/configmaps")
                .toURL()
                .openConnection();
    try (InputStream in = c.getInputStream()) {
      assertThat(in.readAllBytes()).isNotEmpty();
    }
    c.disconnect();
    Set<Thread> running = Thread.getAllStackTraces().keySet();
    assertThat(running.stream().filter(t -> !before.contains(t)).count())
        .as("the threads a running KubeSim has, so that the check below can fail")
        .isPositive();

    sim.close();

    Set<String> left =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !before.contains(t) && t.isAlive())
            // The JDK's HTTP client keeps its own keep-alive timer: the test's, not KubeSim's.
            .filter(t -> !t.getName().startsWith("Keep-Alive"))
            .map(Thread::getName)
            .collect(Collectors.toSet());
    assertThat(left).isEmpty();
  }
}
