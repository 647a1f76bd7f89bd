package dev.safeclient.testing.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FidelityDiffTest {
  private static final String END =
      "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"annotations\":"
          + "{\"k8s.io/initial-events-end\":\"true\"}}}}\n";

  @Test
  void countsEveryDifferenceOfABodyNotOnlyTheFirst() {
    String sim =
        "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"generation\":1,"
            + "\"annotations\":{}},\"data\":{\"k\":\"v\"}}";
    String real = "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"w\"}}";

    assertThat(FidelityDiff.bodyDifferences("/api/v1/namespaces/n/configmaps/a", sim, real))
        .containsExactlyInAnyOrder(
            ".metadata.generation only on KubeSim (1)",
            ".metadata.annotations only on KubeSim ({})",
            ".data.k: KubeSim \"v\", real \"w\"");
  }

  @Test
  void anElementMissingFromANamedListIsOneDifferenceNotAShiftOfEveryLaterOne() {
    String sim = "{\"resources\":[{\"name\":\"configmaps\"},{\"name\":\"pods\"}]}";
    String real =
        "{\"resources\":[{\"name\":\"bindings\"},{\"name\":\"configmaps\"},{\"name\":\"pods\"}]}";

    assertThat(FidelityDiff.bodyDifferences("/api/v1", sim, real))
        .containsExactly(".resources[bindings] missing on KubeSim (real: {\"name\":\"bindings\"})");
  }

  @Test
  void namedElementsInAnotherOrderAreOneDifferenceMore() {
    String sim = "{\"groups\":[{\"name\":\"b\"},{\"name\":\"a\",\"x\":1}]}";
    String real = "{\"groups\":[{\"name\":\"a\",\"x\":2},{\"name\":\"b\"}]}";

    assertThat(FidelityDiff.bodyDifferences("/apis", sim, real))
        .containsExactly(
            ".groups[a].x: KubeSim 1, real 2", ".groups: order: KubeSim [b, a], real [a, b]");
  }

  @Test
  void agreeingBodiesAfterNormalisingHaveNoDifference() {
    String sim = "{\"metadata\":{\"name\":\"a\",\"uid\":\"1\",\"resourceVersion\":\"5\"}}";
    String real = "{\"metadata\":{\"name\":\"a\",\"uid\":\"2\",\"resourceVersion\":\"9\"}}";

    assertThat(FidelityDiff.bodyDifferences("/api/v1/namespaces/n/configmaps/a", sim, real))
        .isEmpty();
  }

  @Test
  void aWatchStreamIsComparedEventByEvent() {
    String sim =
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
            + "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"},\"data\":1}}\n";
    String real =
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
            + "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"},\"data\":2}}\n"
            + "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"annotations\":"
            + "{\"k8s.io/initial-events-end\":\"true\"}}}}\n"
            + "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}\n";

    // The periodic bookmark (no annotation) is timing, not a difference.
    assertThat(FidelityDiff.bodyDifferences("/api/v1/configmaps?watch=true", sim, real))
        .satisfiesExactly(
            d -> assertThat(d).isEqualTo("[1].object.data: KubeSim 1, real 2"),
            d ->
                assertThat(d)
                    .startsWith("bookmarks[0] missing on KubeSim")
                    .contains("k8s.io/initial-events-end"));
  }

  @Test
  void aBookmarkArrivingEarlierDoesNotShiftTheEventsAfterIt() {
    String sim =
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
            + END
            + "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n";
    String real =
        END
            + "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
            + "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n";

    assertThat(FidelityDiff.bodyDifferences("/api/v1/configmaps?watch=true", sim, real)).isEmpty();
  }
}
