package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.testing.fleet.FleetCluster;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A body larger than one write slice goes out as one fixed-length body, byte for byte, and leaves
 * no native copy of its size behind on the thread that wrote it.
 */
class LargeBodyTest {
  @Test
  void aListOfMegabytesIsOneFixedLengthBodyAndLeavesNoNativeCopyBehind() throws Exception {
    try (KubeSim sim = KubeSim.builder().build()) {
      FleetCluster.seed(sim, 60, 30);
      Wire wire = new Wire(sim);
      // The client's and the server's first reads and writes set their small buffers up.
      wire.get("/api/v1/namespaces/default/pods?limit=1");
      long directBefore = directMemoryUsed();

      Wire.Reply list = wire.get("/api/v1/pods");

      byte[] body = list.body.getBytes(StandardCharsets.UTF_8);
      assertThat(body.length).isGreaterThan(40 * ApiCall.WRITE_SLICE);
      assertThat(list.code).isEqualTo(200);
      assertThat(list.headers.get("Content-Length")).isEqualTo(Integer.toString(body.length));
      assertThat(list.headers.get("Transfer-Encoding")).isNull();
      assertThat(list.json().getAsJsonArray("items")).hasSize(60 * 30);
      // Written at once, the whole body's copy stayed cached on the Jetty thread that wrote it.
      assertThat(directMemoryUsed() - directBefore).isLessThan(body.length / 4);
    }
  }

  private static long directMemoryUsed() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct"))
        .mapToLong(BufferPoolMXBean::getMemoryUsed)
        .sum();
  }
}
