package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A LIST body around the items' own bytes; the watch timeout a server picks. */
class ListBodyTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theItemsAreWrittenAsGiven() {
    byte[] body =
        ListBody.json(
            "v1",
            "PodList",
            17,
            "tok",
            3L,
            List.of(b("{\"metadata\":{\"name\":\"a\"}, \"x\":1}"), b("{\"metadata\":{}}")));
    assertThat(new String(body, StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"17\","
                + "\"continue\":\"tok\",\"remainingItemCount\":3},\"items\":[{\"metadata\":"
                + "{\"name\":\"a\"}, \"x\":1},{\"metadata\":{}}]}");
    assertThat(
            new String(
                ListBody.json("apps/v1", "DeploymentList", 5, null, null, List.of()),
                StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"metadata\":"
                + "{\"resourceVersion\":\"5\"},\"items\":[]}");
  }

  @Test
  void aWatchRunsItsTimeoutOrARandomSpanAboveTheMinimum() {
    SplittableRandom r = new SplittableRandom(1);
    assertThat(
            ApiserverDefaults.watchTimeout(
                ListOptions.parse(Query.parse("timeoutSeconds=42"), true), r))
        .isEqualTo(Duration.ofSeconds(42));
    for (int i = 0; i < 100; i++) {
      Duration d = ApiserverDefaults.watchTimeout(ListOptions.parse(Query.parse(""), true), r);
      assertThat(d).isBetween(Duration.ofSeconds(1800), Duration.ofSeconds(3599));
    }
  }
}
