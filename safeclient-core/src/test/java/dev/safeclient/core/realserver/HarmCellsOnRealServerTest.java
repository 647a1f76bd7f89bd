package dev.safeclient.core.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import dev.safeclient.testing.internal.RealServerBill;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplate;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The harm matrix's core cells on a real kube-apiserver of each pinned release: the same call
 * through plain client-java and through {@code SafeClient} (defaults, ENFORCE), billed by the
 * server's own {@code /metrics}. First, do no harm: the safe form must not read more from etcd nor
 * cost more APF seats than the plain one.
 *
 * <p>Calls are made as the service-account user (APF priority level {@code workload-low}; the admin
 * would be exempt and never seated) or as the node. Each call is made once unbilled first, so
 * one-time costs (connection, the safe client's version discovery) stay out of the bill.
 */
@RealApiserverTest
class HarmCellsOnRealServerTest {
  private static final String WORKLOAD = "workload-low";

  /** Flow schema system-nodes puts the nodes' requests at priority level system. */
  private static final String NODES = "system";

  /** Above APF's 100 objects per seat, so that a list's estimate is more than the 1-seat floor. */
  private static final int MANY = 250;

  /** Far below 100 objects: a list APF prices at its 1-seat floor. */
  private static final int FEW = 10;

  private static final Map<String, String> NAMESPACES = new ConcurrentHashMap<>();

  /** What one call cost, from the server's counters. */
  record Cost(
      long etcdLists,
      long etcdGets,
      long etcdObjects,
      long cacheLists,
      double seats,
      long requests,
      long rejected,
      int items,
      int status) {
    static Cost of(RealServerBill bill, String resource, String level, int items, int status) {
      return new Cost(
          bill.etcdRequests(resource, "list"),
          bill.etcdRequests(resource, "get"),
          bill.etcdObjectsFetched(resource),
          bill.cacheLists(resource),
          bill.seats(level),
          bill.dispatched(level),
          bill.rejected(level),
          items,
          status);
    }

    @Override
    public String toString() {
      return String.format(
          "status %d, %d items; etcd: %d lists (%d objects), %d gets; cache lists %d; %.0f seats"
              + " over %d requests, %d rejected",
          status, items, etcdLists, etcdObjects, etcdGets, cacheLists, seats, requests, rejected);
    }
  }

  @FunctionalInterface
  interface Call {
    /** Returns the number of items listed; an ApiException's code is recorded as the status. */
    int run() throws ApiException;
  }

  /**
   * Windows a bill may be re-measured in when the server re-initialized the resource's watch cache
   * inside one (that re-list is the server's own, see {@link
   * RealServerBill#watchCacheInitializations}), or estimated a list in it by a failed count of the
   * resource (the maximum seats whatever the list, see {@link RealServerBill#estimatesAbove}):
   * either is the server's state, not the call's, and lands at random.
   */
  private static final int WINDOWS = 3;

  static Cost bill(RealApiserver server, String resource, String level, Call call)
      throws ApiException {
    try {
      call.run(); // unbilled: connection set-up and one-time discovery
    } catch (ApiException ignored) {
      // Billed below with its status.
    }
    for (int window = 1; ; window++) {
      RealServerBill before = server.bill();
      int items = 0;
      int status = 200;
      try {
        items = call.run();
      } catch (ApiException e) {
        status = e.getCode();
      }
      RealServerBill bill = server.bill().minus(before);
      long reinitialized = bill.watchCacheInitializations(resource);
      boolean countFailed = before.storedObjects(resource) < 0 && bill.estimatesAbove(level, 4) > 0;
      if (reinitialized == 0 && !countFailed) {
        return Cost.of(bill, resource, level, items, status);
      }
      System.out.printf(
          "[harm-cell] %s: %s in billing window %d (%s); measured again%n",
          server.pin(),
          reinitialized > 0
              ? "the watch cache of " + resource + " re-initialized"
              : "a list estimated by a failed count of " + resource,
          window,
          Cost.of(bill, resource, level, items, status));
      assertThat(window)
          .as("billing windows of %s without the server's own noise", resource)
          .isLessThan(WINDOWS);
    }
  }

  static void record(String pin, String cell, Cost plain, Cost safe) {
    String line = String.format("| %s | %s | %s | %s |%n", pin, cell, plain, safe);
    System.out.print("[harm-cell] " + line);
    Path report = Path.of("target", "real-apiserver-harm-cells.md");
    try {
      Files.createDirectories(report.getParent());
      Files.writeString(report, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void assertNoHarm(Cost plain, Cost safe) {
    assertThat(safe.status()).as("status").isEqualTo(plain.status());
    assertThat(safe.items()).as("items").isEqualTo(plain.items());
    assertThat(safe.etcdObjects())
        .as("objects read from etcd")
        .isLessThanOrEqualTo(plain.etcdObjects());
    assertThat(safe.etcdLists()).as("lists read from etcd").isLessThanOrEqualTo(plain.etcdLists());
    assertThat(safe.etcdLists() + safe.etcdGets())
        .as("reads sent to etcd")
        .isLessThanOrEqualTo(plain.etcdLists() + plain.etcdGets());
    assertThat(safe.seats()).as("APF seats").isLessThanOrEqualTo(plain.seats());
    assertThat(safe.rejected()).as("APF rejections").isLessThanOrEqualTo(plain.rejected());
  }

  /** A namespace holding {@code count} config maps, made once per server. */
  private static String configMaps(RealApiserver server, int count) throws ApiException {
    String key = server.pin() + "/" + count;
    String existing = NAMESPACES.get(key);
    if (existing != null) {
      return existing;
    }
    String ns = "harm-cm-" + count;
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    admin.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    for (int i = 0; i < count; i++) {
      admin
          .createNamespacedConfigMap(
              ns,
              new V1ConfigMap()
                  .metadata(new V1ObjectMeta().name("cm-" + i))
                  .data(Map.of("payload", "x".repeat(512))))
          .execute();
    }
    awaitObjectCount(server, "configmaps", count);
    NAMESPACES.put(key, ns);
    return ns;
  }

  /**
   * APF estimates a list from the stored object count, which the apiserver refreshes about once a
   * minute: until then a fresh resource is priced as nearly empty.
   */
  private static void awaitObjectCount(RealApiserver server, String resource, int atLeast) {
    // Polled every 2 s, the real server's own refresh period; no virtual clock reaches it.
    Awaitility.await("the apiserver to count " + atLeast + " " + resource)
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              RealServerBill now = server.bill();
              return Math.max(
                      now.sum(
                          "apiserver_storage_objects", s -> s.label("resource").equals(resource)),
                      now.sum(
                          "apiserver_resource_objects", s -> s.label("resource").equals(resource)))
                  >= atLeast;
            });
  }

  private static RealApiserver server(String pin) {
    RealApiserverExtension.requireAvailable(pin);
    return RealApiserver.shared(pin);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void consistentListWithoutLimitOfManyCostsNoMoreThroughTheSafeClient(String pin)
      throws ApiException {
    consistentListWithoutLimit(pin, MANY);
  }

  private void consistentListWithoutLimit(String pin, int count) throws ApiException {
    RealApiserver server = server(pin);
    String ns = configMaps(server, count);
    ApiClient plainClient = server.apiClient(Identity.SA_USER);
    SafeClient safe = SafeClient.wrap(server.apiClient(Identity.SA_USER));

    Cost plain =
        bill(
            server,
            "configmaps",
            WORKLOAD,
            () ->
                new CoreV1Api(plainClient).listNamespacedConfigMap(ns).execute().getItems().size());
    Cost viaSafe =
        bill(
            server,
            "configmaps",
            WORKLOAD,
            () ->
                new CoreV1Api(safe.apiClient())
                    .listNamespacedConfigMap(ns)
                    .execute()
                    .getItems()
                    .size());
    Cost viaConsistent =
        bill(
            server,
            "configmaps",
            WORKLOAD,
            () ->
                new CoreV1Api(safe.consistentApiClient())
                    .listNamespacedConfigMap(ns)
                    .execute()
                    .getItems()
                    .size());
    record(pin, "consistent list, no limit, " + count + " objects: apiClient()", plain, viaSafe);
    record(
        pin,
        "consistent list, no limit, " + count + " objects: consistentApiClient()",
        plain,
        viaConsistent);
    assertNoHarm(plain, viaSafe);
    assertNoHarm(plain, viaConsistent);
  }

  /**
   * APF prices a list by the whole resource's stored count (not the namespace's), so the small case
   * needs a resource nobody else fills: pod templates.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void consistentListWithoutLimitOfASmallResourceCostsNoMoreThroughTheSafeClient(String pin)
      throws ApiException {
    RealApiserver server = server(pin);
    String ns = podTemplates(server, FEW);
    ApiClient plainClient = server.apiClient(Identity.SA_USER);
    SafeClient safe = SafeClient.wrap(server.apiClient(Identity.SA_USER));

    Cost plain =
        bill(
            server,
            "podtemplates",
            WORKLOAD,
            () ->
                new CoreV1Api(plainClient)
                    .listNamespacedPodTemplate(ns)
                    .execute()
                    .getItems()
                    .size());
    Cost viaSafe =
        bill(
            server,
            "podtemplates",
            WORKLOAD,
            () ->
                new CoreV1Api(safe.apiClient())
                    .listNamespacedPodTemplate(ns)
                    .execute()
                    .getItems()
                    .size());
    Cost viaConsistent =
        bill(
            server,
            "podtemplates",
            WORKLOAD,
            () ->
                new CoreV1Api(safe.consistentApiClient())
                    .listNamespacedPodTemplate(ns)
                    .execute()
                    .getItems()
                    .size());
    record(pin, "consistent list, no limit, " + FEW + " objects: apiClient()", plain, viaSafe);
    record(
        pin,
        "consistent list, no limit, " + FEW + " objects: consistentApiClient()",
        plain,
        viaConsistent);
    assertNoHarm(plain, viaSafe);
    assertNoHarm(plain, viaConsistent);
  }

  private static String podTemplates(RealApiserver server, int count) throws ApiException {
    String key = server.pin() + "/podtemplates";
    String existing = NAMESPACES.get(key);
    if (existing != null) {
      return existing;
    }
    String ns = "harm-pt";
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    admin.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    for (int i = 0; i < count; i++) {
      admin
          .createNamespacedPodTemplate(
              ns,
              new V1PodTemplate()
                  .metadata(new V1ObjectMeta().name("pt-" + i))
                  .template(
                      new V1PodTemplateSpec()
                          .spec(
                              new V1PodSpec()
                                  .containers(List.of(new V1Container().name("c").image("i"))))))
          .execute();
    }
    awaitObjectCount(server, "podtemplates", count);
    NAMESPACES.put(key, ns);
    return ns;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void consistentListWithLimitCostsNoMoreThroughTheSafeClient(String pin) throws ApiException {
    RealApiserver server = server(pin);
    String ns = configMaps(server, MANY);
    ApiClient plainClient = server.apiClient(Identity.SA_USER);
    SafeClient safe = SafeClient.wrap(server.apiClient(Identity.SA_USER));

    Cost plain = bill(server, "configmaps", WORKLOAD, () -> allPages(plainClient, ns, 100));
    Cost viaSafe = bill(server, "configmaps", WORKLOAD, () -> allPages(safe.apiClient(), ns, 100));
    record(pin, "consistent list, limit=100, every page, " + MANY + " objects", plain, viaSafe);
    assertNoHarm(plain, viaSafe);
  }

  private static int allPages(ApiClient client, String ns, int limit) throws ApiException {
    int items = 0;
    String token = null;
    do {
      V1ConfigMapList page =
          new CoreV1Api(client).listNamespacedConfigMap(ns).limit(limit)._continue(token).execute();
      items += page.getItems().size();
      token = page.getMetadata().getContinue();
    } while (token != null && !token.isEmpty());
    return items;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void emptyResourceVersionCostsNoMoreThroughTheSafeClient(String pin) throws ApiException {
    RealApiserver server = server(pin);
    String ns = configMaps(server, MANY);
    ApiClient plainClient = server.apiClient(Identity.SA_USER);
    SafeClient safe = SafeClient.wrap(server.apiClient(Identity.SA_USER));

    Cost plain =
        bill(
            server,
            "configmaps",
            WORKLOAD,
            () ->
                new CoreV1Api(plainClient)
                    .listNamespacedConfigMap(ns)
                    .resourceVersion("")
                    .execute()
                    .getItems()
                    .size());
    Cost viaSafe =
        bill(
            server,
            "configmaps",
            WORKLOAD,
            () ->
                new CoreV1Api(safe.apiClient())
                    .listNamespacedConfigMap(ns)
                    .resourceVersion("")
                    .execute()
                    .getItems()
                    .size());
    record(pin, "resourceVersion=\"\" list, " + MANY + " objects", plain, viaSafe);
    assertNoHarm(plain, viaSafe);
  }

  /** Pods on node-1 and node-2, made once per server; the node identity is node-1. */
  private static void podsOnTwoNodes(RealApiserver server) throws ApiException {
    String key = server.pin() + "/pods";
    if (NAMESPACES.containsKey(key)) {
      return;
    }
    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    String ns = "harm-pods";
    createOnce(
        () ->
            admin
                .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute());
    // No controller-manager runs here to make the namespace's default service account.
    createOnce(
        () ->
            admin
                .createNamespacedServiceAccount(
                    ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name("default")))
                .execute());
    for (String node : List.of("node-1", "node-2")) {
      createOnce(
          () -> admin.createNode(new V1Node().metadata(new V1ObjectMeta().name(node))).execute());
      for (int i = 0; i < FEW; i++) {
        int n = i;
        createOnce(
            () ->
                admin
                    .createNamespacedPod(
                        ns,
                        new V1Pod()
                            .metadata(new V1ObjectMeta().name(node + "-pod-" + n))
                            .spec(
                                new V1PodSpec()
                                    // client-java 27 would send "overhead": {}, which the server
                                    // rejects
                                    // without a RuntimeClass.
                                    .overhead(null)
                                    .nodeName(node)
                                    .automountServiceAccountToken(false)
                                    .containers(List.of(new V1Container().name("c").image("i")))))
                    .execute());
      }
    }
    NAMESPACES.put(key, ns);
  }

  @FunctionalInterface
  interface Create {
    Object run() throws ApiException;
  }

  /** Creates, accepting that an earlier, failed attempt already did. */
  private static void createOnce(Create create) throws ApiException {
    try {
      create.run();
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void nodeScopedPodListCostsNoMoreThroughTheSafeClient(String pin) throws ApiException {
    RealApiserver server = server(pin);
    podsOnTwoNodes(server);
    String node = server.user(Identity.NODE).substring("system:node:".length());
    ApiClient plainClient = server.apiClient(Identity.NODE);
    SafeClient safe = SafeClient.builder(server.apiClient(Identity.NODE)).nodeName(node).build();

    Cost plain =
        bill(
            server,
            "pods",
            NODES,
            () ->
                new CoreV1Api(plainClient)
                    .listPodForAllNamespaces()
                    .fieldSelector("spec.nodeName=" + node)
                    .execute()
                    .getItems()
                    .size());
    Cost viaSafe =
        bill(
            server,
            "pods",
            NODES,
            () ->
                new CoreV1Api(safe.apiClient())
                    .listPodForAllNamespaces()
                    .fieldSelector("spec.nodeName=" + node)
                    .execute()
                    .getItems()
                    .size());
    record(pin, "node identity, pods with fieldSelector spec.nodeName", plain, viaSafe);
    assertThat(plain.items()).isEqualTo(FEW);
    assertNoHarm(plain, viaSafe);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34"})
  void selectorlessNodePodListCostsNoMoreThroughTheSafeClient(String pin) throws ApiException {
    RealApiserver server = server(pin);
    podsOnTwoNodes(server);
    String node = server.user(Identity.NODE).substring("system:node:".length());
    ApiClient plainClient = server.apiClient(Identity.NODE);
    SafeClient safe = SafeClient.builder(server.apiClient(Identity.NODE)).nodeName(node).build();

    Cost plain =
        bill(
            server,
            "pods",
            NODES,
            () -> new CoreV1Api(plainClient).listPodForAllNamespaces().execute().getItems().size());
    Cost viaSafe =
        bill(
            server,
            "pods",
            NODES,
            () ->
                new CoreV1Api(safe.apiClient())
                    .listPodForAllNamespaces()
                    .execute()
                    .getItems()
                    .size());
    record(pin, "node identity, pods without selector", plain, viaSafe);
    assertNoHarm(plain, viaSafe);
  }
}
