package dev.safeclient.core.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import dev.safeclient.testing.internal.RealServerBill;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.CoreV1EventList;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * client-java's own informer through a 410 on a real server, plain and on {@code safe.apiClient()}.
 * Events are the resource: kube-apiserver keeps no watch cache for them by default, so their
 * watches read etcd and an etcd compaction makes an old resourceVersion gone, as on real clusters.
 *
 * <p>client-java 27 re-watches from its last resourceVersion only when the server ends a watch
 * cleanly, which it does at the {@code timeoutSeconds} the reflector asks for: 5 minutes. The
 * client here asks for 3 seconds instead (one interceptor, the same for plain and safe), so the
 * re-watch happens within the test.
 *
 * <p>After the 410 the informer's cache must equal what the server lists (names and
 * resourceVersions), and the safe client's recovery must cost no more requests, seats or etcd reads
 * than plain's. The safe client's one-time {@code /version} discovery is made before the bill.
 */
@RealApiserverTest
class InformerThroughGoneOnRealServerTest {
  private static final String WORKLOAD = "workload-low";
  private static final long WAIT_MILLIS = 90_000;

  /**
   * Plain-and-safe pairs that may be measured when the server estimated the two runs' lists by
   * different rules: one by its count of events, the other by the maximum it gives once that count
   * has gone stale. Staleness sets in at random (on 1.34 it was seen to last: every pair stale on
   * both sides), so a pair is compared when both sides were estimated alike.
   */
  private static final int PAIRS = 3;

  /** Ends each watch after 3 s and records every request that goes out. */
  static final class ShortWatches implements Interceptor {
    final List<String> requests = new CopyOnWriteArrayList<>();

    @Override
    public Response intercept(Chain chain) throws java.io.IOException {
      Request request = chain.request();
      HttpUrl url = request.url();
      if ("true".equals(url.queryParameter("watch"))) {
        url = url.newBuilder().setQueryParameter("timeoutSeconds", "3").build();
        request = request.newBuilder().url(url).build();
      }
      Response response = chain.proceed(request);
      requests.add(
          request.method()
              + " "
              + url.encodedPath()
              + "?"
              + url.encodedQuery()
              + " -> "
              + response.code());
      return response;
    }

    /** Lists of the resource (not its watches, not {@code /version}). */
    long lists() {
      return requests.stream()
          .filter(r -> r.contains("/events?") && !r.contains("watch=true"))
          .count();
    }
  }

  record Outcome(
      RealServerBill bill,
      long listsAfterGone,
      Map<String, String> cache,
      Map<String, String> server) {}

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void informerRecoversFromGoneLosingNothingAndCostsNoMoreThroughTheSafeClient(String pin)
      throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);

    Outcome plain;
    Outcome safe;
    for (int pair = 1; ; pair++) {
      plain = run(server, "gone-plain-" + pair, false);
      safe = run(server, "gone-safe-" + pair, true);
      long plainStale = plain.bill().estimatesAbove(WORKLOAD, 4);
      long safeStale = safe.bill().estimatesAbove(WORKLOAD, 4);
      if (plainStale + safeStale > 0) {
        // No request of this test can cost more than 4 seats by the count: an events list is
        // estimated at most at two objects a stored event, a seat per 100 objects, and the server
        // holds far fewer than 200. More is the estimate kube-apiserver gives any list once its
        // count of the resource has gone stale (RealServerBill#estimatesAbove).
        int stored =
            new CoreV1Api(server.apiClient(Identity.ADMIN))
                .listEventForAllNamespaces()
                .execute()
                .getItems()
                .size();
        assertThat(stored).as("events the server holds").isLessThan(200);
        System.out.printf(
            "[harm-cell] %s: lists estimated above 4 seats in pair %d: plain %d, safe %d, with %d"
                + " events stored (a stale object count; the server's last count: %.0f)%n",
            pin, pair, plainStale, safeStale, stored, server.bill().storedObjects("events"));
      }
      if (plainStale == safeStale) {
        break;
      }
      assertThat(pair).as("pairs whose lists were estimated alike").isLessThan(PAIRS);
    }
    System.out.printf(
        "[harm-cell] | %s | client-java informer through 410 (events, etcd-backed watch) |"
            + " etcd lists %d (%d objects), %.0f seats over %d requests, %d relists |"
            + " etcd lists %d (%d objects), %.0f seats over %d requests, %d relists |%n",
        pin,
        plain.bill().etcdRequests("events", "list"),
        plain.bill().etcdObjectsFetched("events"),
        plain.bill().seats(WORKLOAD),
        plain.bill().dispatched(WORKLOAD),
        plain.listsAfterGone(),
        safe.bill().etcdRequests("events", "list"),
        safe.bill().etcdObjectsFetched("events"),
        safe.bill().seats(WORKLOAD),
        safe.bill().dispatched(WORKLOAD),
        safe.listsAfterGone());

    Set<String> expected = Set.of("e-0", "e-1", "e-2", "e-stale", "e-after");
    assertThat(plain.server().keySet()).isEqualTo(expected);
    assertThat(safe.server().keySet()).isEqualTo(expected);
    assertThat(plain.cache()).as("plain informer's cache = the server's").isEqualTo(plain.server());
    assertThat(safe.cache())
        .as("safe informer's cache = the server's (names and resourceVersions)")
        .isEqualTo(safe.server());
    assertThat(plain.listsAfterGone()).as("plain relisted after the 410").isGreaterThan(0);
    assertThat(safe.listsAfterGone()).isLessThanOrEqualTo(plain.listsAfterGone());
    assertThat(safe.bill().dispatched(WORKLOAD))
        .as("requests APF dispatched")
        .isLessThanOrEqualTo(plain.bill().dispatched(WORKLOAD));
    assertThat(safe.bill().seats(WORKLOAD))
        .as("APF seats")
        .isLessThanOrEqualTo(plain.bill().seats(WORKLOAD));
    assertThat(safe.bill().etcdRequests("events", "list"))
        .isLessThanOrEqualTo(plain.bill().etcdRequests("events", "list"));
    assertThat(safe.bill().etcdObjectsFetched("events"))
        .isLessThanOrEqualTo(plain.bill().etcdObjectsFetched("events"));
  }

  private static Outcome run(RealApiserver server, String ns, boolean throughSafeClient)
      throws Exception {
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    admin.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    for (int i = 0; i < 3; i++) {
      event(admin, ns, "e-" + i);
    }

    ShortWatches network = new ShortWatches();
    ApiClient base = server.apiClient(Identity.SA_USER);
    base.setHttpClient(base.getHttpClient().newBuilder().addNetworkInterceptor(network).build());
    ApiClient client = throughSafeClient ? SafeClient.wrap(base).apiClient() : base;
    // Unbilled, as in the other harm cells: the safe client's one-time /version discovery,
    // which its first consistent list makes.
    new CoreV1Api(client).listNamespacedEvent(ns).execute();

    SharedInformerFactory factory = new SharedInformerFactory(client);
    SharedIndexInformer<CoreV1Event> informer =
        factory.sharedIndexInformerFor(
            new GenericKubernetesApi<>(
                CoreV1Event.class, CoreV1EventList.class, "", "v1", "events", client),
            CoreV1Event.class,
            0,
            ns);
    factory.startAllRegisteredInformers();
    try {
      await(informer::hasSynced, "informer synced");
      event(admin, ns, "e-stale");
      await(() -> names(informer).contains("e-stale"), "e-stale seen");

      // Move etcd on (writes elsewhere do not reach this namespace's watch) and compact: the
      // informer's last resourceVersion is now gone from etcd.
      for (int i = 0; i < 5; i++) {
        admin
            .createNamespacedConfigMap(
                "default", new V1ConfigMap().metadata(new V1ObjectMeta().generateName("bump-")))
            .execute();
      }
      RealServerBill before = server.bill();
      long listsBefore = network.lists();
      int requestsBefore = network.requests.size();
      server.compact();
      await(() -> network.lists() > listsBefore, "a relist after 410 Gone");
      event(admin, ns, "e-after");
      await(() -> names(informer).contains("e-after"), "e-after seen");
      // Billed before the admin's own list below, which checks the cache against the server.
      RealServerBill bill = server.bill().minus(before);
      Map<String, String> onServer = versions(admin.listNamespacedEvent(ns).execute().getItems());
      await(() -> versions(informer.getIndexer().list()).equals(onServer), "cache = server");
      System.out.println(
          "[informer-410] "
              + (throughSafeClient ? "safe" : "plain")
              + " "
              + network.requests.subList(requestsBefore, network.requests.size()));
      return new Outcome(
          bill, network.lists() - listsBefore, versions(informer.getIndexer().list()), onServer);
    } finally {
      factory.stopAllRegisteredInformers();
    }
  }

  private static void event(CoreV1Api admin, String ns, String name) throws ApiException {
    admin
        .createNamespacedEvent(
            ns,
            new CoreV1Event()
                .metadata(new V1ObjectMeta().name(name))
                .involvedObject(new V1ObjectReference().kind("Pod").name("p").namespace(ns))
                .reason("Test")
                .message(name)
                .type("Normal")
                .firstTimestamp(OffsetDateTime.now())
                .lastTimestamp(OffsetDateTime.now()))
        .execute();
  }

  /** Name to resourceVersion: what an informer's cache must hold, as the server holds it. */
  private static Map<String, String> versions(List<CoreV1Event> events) {
    return events.stream()
        .collect(
            Collectors.toMap(
                e -> e.getMetadata().getName(), e -> e.getMetadata().getResourceVersion()));
  }

  private static Set<String> names(SharedIndexInformer<CoreV1Event> informer) {
    return informer.getIndexer().list().stream()
        .map(e -> e.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  /** Polls a condition of the real server's making; there is no virtual clock to drive it. */
  private static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what)
        .atMost(Duration.ofMillis(WAIT_MILLIS))
        .pollInterval(Duration.ofMillis(100))
        .until(condition::getAsBoolean);
  }
}
