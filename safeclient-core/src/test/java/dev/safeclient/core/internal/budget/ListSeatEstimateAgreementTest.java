package dev.safeclient.core.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.RequestClassifier;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seats the list-cost budget charges a request ({@link ListCostEstimate}) are the seats KubeSim
 * charges it on the server the budget estimates for (1.30, with 1.35's charge of a legacy watch as
 * a list): both are the api-model's ListWorkEstimator, checked here on the wire, row by row,
 * against the seats APF's list_work_estimator.go gives.
 */
class ListSeatEstimateAgreementTest {
  private static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");

  /** One fact row: the query, the pods stored, and the seats list_work_estimator.go charges. */
  static Stream<Arguments> rows() {
    return Stream.of(
        // Consistent list from etcd: 2 × stored objects, 100 per seat.
        Arguments.of("", 450, 9),
        Arguments.of("", 1200, 10), // capped at maximumSeats
        Arguments.of("limit=100", 450, 2),
        // A selector: stored + limit (etcd reads everything to filter).
        Arguments.of("labelSelector=app%3Da", 450, 9),
        Arguments.of("labelSelector=app%3Da&limit=100", 450, 6),
        // From the watch cache: the stored count, a limit ignored.
        Arguments.of("resourceVersion=0", 450, 5),
        Arguments.of("resourceVersion=0&limit=100", 450, 5),
        Arguments.of("resourceVersion=$RV&resourceVersionMatch=NotOlderThan", 450, 5),
        Arguments.of("resourceVersion=$RV&resourceVersionMatch=Exact", 450, 9),
        // A watch from the current state, charged as a list (1.35's gate); from an RV, 1 seat.
        Arguments.of("watch=true&resourceVersion=0", 450, 5),
        Arguments.of("watch=true&resourceVersion=$RV", 450, 1));
  }

  @ParameterizedTest(name = "{0} with {1} stored: {2} seats")
  @MethodSource("rows")
  void theBudgetChargesWhatTheServerCharges(String query, int stored, int seats) throws Exception {
    try (KubeSim sim =
        KubeSim.builder()
            .serverVersion("1.30")
            .featureGate(FeatureGate.LEGACY_WATCH_CHARGED_AS_LIST, true)
            .clock(VirtualTimeSource.manual())
            .build()) {
      for (int i = 0; i < stored; i++) {
        sim.create(
            PODS,
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p-"
                + i
                + "\",\"namespace\":\"ns-0\",\"labels\":{\"app\":\"a\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
      }
      String q = query.replace("$RV", Long.toString(sim.resourceVersion()));
      Request request =
          new Request.Builder()
              .url(sim.url() + "/api/v1/namespaces/ns-0/pods" + (q.isEmpty() ? "" : "?" + q))
              .build();
      OkHttpClient http = sim.apiClient().getHttpClient();
      try (Response r = http.newCall(request).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      // A watch is logged when it ends: end it from the server's side, as its timeout does.
      sim.closeWatches();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (sim.requestLog().isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      List<RequestLogEntry> log = sim.requestLog();
      long charged = log.get(log.size() - 1).seats();
      KubeRequest k = new RequestClassifier(sim.url()).classify(request, CallOrigin.USER);

      assertThat(charged).as("KubeSim charged").isEqualTo(seats);
      assertThat(ListCostEstimate.seats(k, OptionalLong.of(stored)))
          .as("the budget charges")
          .isEqualTo(seats);
    }
  }
}
