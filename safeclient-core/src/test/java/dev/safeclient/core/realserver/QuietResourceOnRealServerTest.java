package dev.safeclient.core.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.realserver.HarmCellsOnRealServerTest.Cost;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import dev.safeclient.testing.internal.RealServerBill;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1LimitRange;
import io.kubernetes.client.openapi.models.V1LimitRangeItem;
import io.kubernetes.client.openapi.models.V1LimitRangeSpec;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A quiet resource on 1.30 with etcd's long progress-notify interval: up to 1.30 a watch cache
 * advances only on its own resource's events and on etcd's progress notifications, so a
 * not-older-than read at etcd's current revision of a resource with no recent writes waits the
 * cache's 3 s and gets 504 ResourceVersionTooLarge ({@code watchCache.waitUntilFreshAndBlock}). A
 * consistent list of such a resource through {@code SafeClient} must not cost more than plain
 * client-java's (no probe, no 3 s wait, no 504, no second read), measured from the server's own
 * {@code /metrics}.
 *
 * <p>Limit ranges are the resource: nothing else on the server writes them. Other writes (config
 * maps elsewhere) move etcd's revision past the limit ranges' cache, as any busy cluster does.
 */
@RealApiserverTest
class QuietResourceOnRealServerTest {
  private static final String PIN = "v1.30";
  private static final String WORKLOAD = "workload-low";
  private static final String RESOURCE = "limitranges";
  private static final int FEW = 5;

  /** What a call cost beyond {@link Cost}: the 504s it met and the time its requests executed. */
  record Quiet(Cost cost, long tooLarge, double executionSeconds) {
    static Quiet of(RealServerBill bill, int items, int status) {
      return new Quiet(
          Cost.of(bill, RESOURCE, WORKLOAD, items, status),
          (long)
              bill.sum(
                  "apiserver_request_total",
                  s -> s.label("resource").equals(RESOURCE) && s.label("code").equals("504")),
          bill.sum(
              "apiserver_flowcontrol_request_execution_seconds_sum",
              s -> s.label("priority_level").equals(WORKLOAD)));
    }

    @Override
    public String toString() {
      return String.format(
          "%s; %d answered 504; %.1f s executing", cost, tooLarge, executionSeconds);
    }
  }

  @FunctionalInterface
  interface Listing {
    int items(ApiClient client, String ns) throws ApiException;
  }

  private static final Listing CONSISTENT_LIST =
      (client, ns) ->
          new CoreV1Api(client).listNamespacedLimitRange(ns).execute().getItems().size();

  private static RealApiserver server() {
    RealApiserverExtension.requireAvailable(PIN);
    RealApiserver server = RealApiserver.shared(PIN);
    // The cell is about etcd's default, 10 minutes: far longer than the cache's 3 s wait.
    assertThat(server.progressNotifyInterval()).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
    return server;
  }

  @Test
  void consistentListOfAQuietResourceCostsNoMoreThroughTheSafeClient() throws ApiException {
    RealApiserver server = server();
    String ns = limitRanges(server, "quiet-never-seen");
    moveEtcdOn(server);

    Quiet plain = billed(server, server.apiClient(Identity.SA_USER), ns);
    Quiet viaSafe =
        billed(server, SafeClient.wrap(server.apiClient(Identity.SA_USER)).apiClient(), ns);
    Quiet viaConsistent =
        billed(
            server, SafeClient.wrap(server.apiClient(Identity.SA_USER)).consistentApiClient(), ns);
    HarmCellsOnRealServerTest.record(
        PIN + " (progress-notify " + server.progressNotifyInterval() + ")",
        "quiet resource, consistent list: apiClient()",
        plain.cost(),
        viaSafe.cost());
    HarmCellsOnRealServerTest.record(
        PIN,
        "quiet resource, consistent list: consistentApiClient()",
        plain.cost(),
        viaConsistent.cost());
    assertNoHarm(plain, viaSafe);
    assertNoHarm(plain, viaConsistent);
  }

  /**
   * The same client saw the resource change between two of its lists (three changes in a second:
   * busy by SafeClient's rate from list answers), then the resource went quiet for longer than the
   * cache's 3 s wait (on the safe client's own clock) while etcd moved on.
   *
   * <p>Measured on 1.30.14 (progress-notify 10m) while the rate stood for etcd's progress-notify
   * interval: plain read etcd once (8 objects, 1 seat, 1 request); the safe client sent the probe,
   * waited the cache's 3 s for a 504 and then the caller's own request: 2 etcd lists (9 objects), 3
   * seats over 3 requests, one 504. A busy rate now stands twice the interval it was measured over
   * (here one second), so the list goes out as the caller's own.
   */
  @Test
  void consistentListOfAResourceThatWentQuietCostsNoMoreThroughTheSafeClient() throws ApiException {
    wentQuietFor(Duration.ofSeconds(10), "quiet-10s");
  }

  /**
   * As above, but quiet for longer than the rate stands (etcd's default progress-notify interval):
   * the safe client's list costs what plain's does.
   */
  @Test
  void consistentListOfAResourceQuietForLongerThanItsRateStandsCostsNoMoreThroughTheSafeClient()
      throws ApiException {
    wentQuietFor(Duration.ofMinutes(11), "quiet-11m");
  }

  private static void wentQuietFor(Duration quiet, String ns) throws ApiException {
    RealApiserver server = server();
    Quiet plain = wentQuiet(server, ns + "-plain", server.apiClient(Identity.SA_USER), null, quiet);
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    Quiet viaSafe =
        wentQuiet(
            server,
            ns + "-safe",
            SafeClient.builder(server.apiClient(Identity.SA_USER)).clock(clock).build().apiClient(),
            clock,
            quiet);
    HarmCellsOnRealServerTest.record(
        PIN,
        "resource quiet for " + quiet + " after changes, consistent list: apiClient()",
        plain.cost(),
        viaSafe.cost());
    System.out.printf("[quiet] %s plain: %s%n[quiet] %s safe: %s%n", quiet, plain, quiet, viaSafe);
    assertNoHarm(plain, viaSafe);
  }

  /**
   * Lists, three changes, lists again a second later (on {@code clock}, the safe client's), then
   * {@code quiet} while etcd moves on, and the billed list.
   */
  private static Quiet wentQuiet(
      RealApiserver server, String ns, ApiClient client, VirtualTimeSource clock, Duration quiet)
      throws ApiException {
    limitRanges(server, ns);
    warm(client);
    CONSISTENT_LIST.items(client, ns);
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    for (int i = 0; i < 3; i++) {
      admin.createNamespacedLimitRange(ns, limitRange("more-" + i)).execute();
    }
    if (clock != null) {
      clock.advance(Duration.ofSeconds(1));
    }
    CONSISTENT_LIST.items(client, ns);
    if (clock != null) {
      clock.advance(quiet);
    }
    moveEtcdOn(server);
    return billedOnce(server, client, ns);
  }

  private static void assertNoHarm(Quiet plain, Quiet safe) {
    HarmCellsOnRealServerTest.assertNoHarm(plain.cost(), safe.cost());
    assertThat(safe.cost().requests())
        .as("requests APF dispatched")
        .isLessThanOrEqualTo(plain.cost().requests());
    assertThat(safe.tooLarge()).as("504 ResourceVersionTooLarge answers").isZero();
  }

  /** One unbilled call first (connection, the safe client's version discovery), then the bill. */
  private static Quiet billed(RealApiserver server, ApiClient client, String ns)
      throws ApiException {
    warm(client);
    return billedOnce(server, client, ns);
  }

  private static Quiet billedOnce(RealApiserver server, ApiClient client, String ns) {
    RealServerBill before = server.bill();
    int items = 0;
    int status = 200;
    try {
      items = CONSISTENT_LIST.items(client, ns);
    } catch (ApiException e) {
      status = e.getCode();
    }
    return Quiet.of(server.bill().minus(before), items, status);
  }

  /**
   * A consistent list of config maps in an empty namespace: the client's connection and the safe
   * client's {@code /version} discovery, without touching the limit ranges it is billed for.
   */
  private static void warm(ApiClient client) throws ApiException {
    new CoreV1Api(client).listNamespacedConfigMap("kube-public").execute();
  }

  /** Writes elsewhere: etcd's revision passes the limit ranges' newest, as on any live cluster. */
  private static void moveEtcdOn(RealApiserver server) throws ApiException {
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    for (int i = 0; i < 5; i++) {
      admin
          .createNamespacedConfigMap(
              "default", new V1ConfigMap().metadata(new V1ObjectMeta().generateName("bump-")))
          .execute();
    }
  }

  private static String limitRanges(RealApiserver server, String ns) throws ApiException {
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    admin.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    for (int i = 0; i < FEW; i++) {
      admin.createNamespacedLimitRange(ns, limitRange("lr-" + i)).execute();
    }
    return ns;
  }

  private static V1LimitRange limitRange(String name) {
    return new V1LimitRange()
        .metadata(new V1ObjectMeta().name(name))
        .spec(new V1LimitRangeSpec().limits(List.of(new V1LimitRangeItem().type("Container"))));
  }
}
