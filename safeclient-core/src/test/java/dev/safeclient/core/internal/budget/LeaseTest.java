package dev.safeclient.core.internal.budget;

import static dev.safeclient.model.testing.ScriptedApiServer.LEASE;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiCallback;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lease renewals never wait behind ordinary work, and their bucket is sized from the renewals. */
class LeaseTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final CountDownLatch writesHeld = new CountDownLatch(2);
  final CountDownLatch release = new CountDownLatch(1);
  final CountDownLatch leaseSeen = new CountDownLatch(2);

  static final String CONFIG_MAP =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"}}";

  @AfterEach
  void tearDown() {
    release.countDown();
  }

  ApiClient base(int perHost) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    okhttp3.Dispatcher d = new okhttp3.Dispatcher();
    d.setMaxRequestsPerHost(perHost);
    base.setHttpClient(base.getHttpClient().newBuilder().dispatcher(d).build());
    return base;
  }

  @Test
  void aLeaseRenewalReachesTheServerAtOnceWhileWritesHoldEverySlot() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) throws InterruptedException {
            if (r.getTarget().contains("/leases/")) {
              leaseSeen.countDown();
              return ok(LEASE);
            }
            // A validating webhook that is down (failurePolicy Fail) holds each write.
            writesHeld.countDown();
            release.await(60, TimeUnit.SECONDS);
            return ok(CONFIG_MAP);
          }
        });
    // Two in-flight slots and two requests per host in the base client's dispatcher: both full.
    SafeClient safe =
        SafeClient.builder(base(2)).userAgent("lease-test/1.0").clock(clock).maxInFlight(2).build();
    CoreV1Api core = new CoreV1Api(safe.apiClient());
    for (int i = 0; i < 2; i++) {
      V1ConfigMap cm =
          new V1ConfigMap().metadata(new V1ObjectMeta().name("cm").namespace("default"));
      core.replaceNamespacedConfigMap("cm", "default", cm).executeAsync(new Ignoring<>());
    }
    assertThat(writesHeld.await(10, TimeUnit.SECONDS)).isTrue();

    V1Lease lease =
        new V1Lease()
            .metadata(
                new V1ObjectMeta().name("leader").namespace("kube-system").resourceVersion("7"))
            .spec(new V1LeaseSpec().holderIdentity("me").leaseDurationSeconds(15));
    CoordinationV1Api leases = new CoordinationV1Api(safe.apiClient());
    // An async renewal (past the full per-host queue) and a blocking one (past the full slots).
    leases.replaceNamespacedLease("leader", "kube-system", lease).executeAsync(new Ignoring<>());
    assertThat(leases.replaceNamespacedLease("leader", "kube-system", lease).execute()).isNotNull();
    assertThat(leaseSeen.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(release.getCount()).as("both writes still held").isEqualTo(1);
    assertThat(server.getRequestCount()).isEqualTo(4);
    release.countDown();
    safe.close();
  }

  @Test
  void theLeaseBucketIsSizedFromTheRenewalsAndCapped() throws Exception {
    assertThat(BudgetInterceptor.leaseBudget(1, Duration.ofSeconds(2))).containsExactly(1.0, 6.0);
    assertThat(BudgetInterceptor.leaseBudget(40, Duration.ofSeconds(10)))
        .containsExactly(8.0, 45.0);
    // A virtual kubelet renewing 5,000 node Leases every 10 s: 1,000 QPS asked, 50 given.
    assertThat(BudgetInterceptor.leaseBudget(5_000, Duration.ofSeconds(10)))
        .containsExactly(50.0, 55.0);

    ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
    script.otherwise(r -> ok(LEASE));
    server.setDispatcher(script);
    SafeClient safe =
        SafeClient.builder(base(5))
            .userAgent("lease-test/1.0")
            .clock(clock)
            .leaseRenewals(5_000, Duration.ofSeconds(10))
            .build();
    CoordinationV1Api leases = new CoordinationV1Api(safe.apiClient());
    long start = clock.nanoTime();
    for (int i = 0; i < 200; i++) {
      leases.readNamespacedLease("node-" + i, "kube-node-lease").execute();
    }
    // 55 at once, then 50/s: 145 / 50 = 2.9 s (plus the last wait's jitter, up to 2 ms).
    assertThat(clock.since(start)).isBetween(Duration.ofMillis(2_900), Duration.ofMillis(2_910));
    safe.close();
  }

  static final class Ignoring<T> implements ApiCallback<T> {
    @Override
    public void onFailure(ApiException e, int statusCode, Map<String, List<String>> headers) {}

    @Override
    public void onSuccess(T result, int statusCode, Map<String, List<String>> headers) {}

    @Override
    public void onUploadProgress(long bytesWritten, long contentLength, boolean done) {}

    @Override
    public void onDownloadProgress(long bytesRead, long contentLength, boolean done) {}
  }
}
