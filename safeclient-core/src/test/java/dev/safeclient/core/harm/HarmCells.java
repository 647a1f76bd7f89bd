package dev.safeclient.core.harm;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The matrix's axes and the covering subset of their product that the matrix runs. */
final class HarmCells {
  private HarmCells() {}

  static final String NS = "ns-0";
  static final int NAMESPACES = 4;

  static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");
  static final ResourceType CONFIG_MAPS =
      ResourceType.namespaced("", "v1", "configmaps", "ConfigMap");
  static final ResourceType WIDGETS =
      ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
  static final ResourceType POD_METRICS =
      ResourceType.namespaced("metrics.k8s.io", "v1beta1", "pods", "PodMetrics");
  static final ResourceType RESOURCE_CLAIMS =
      ResourceType.namespaced("resource.k8s.io", "v1beta1", "resourceclaims", "ResourceClaim");
  static final ResourceType EVENTS = ResourceType.namespaced("", "v1", "events", "Event");

  /** Who calls. */
  enum Identity {
    /** RBAC allows everything. */
    FULL_RBAC("alice-token", "alice"),
    /** The node authorizer's {@code system:node:n1}: pods on its node only (from 1.32). */
    NODE("kubelet-n1", "system:node:n1");

    private final String token;
    private final String user;

    Identity(String token, String user) {
      this.token = token;
      this.user = user;
    }

    String token() {
      return token;
    }
  }

  /** A server: a version's feature-gate set, or a deployment detail /version cannot tell. */
  record Server(
      String name,
      String version,
      Consumer<KubeSim.Builder> sim,
      Consumer<SafeClient.Builder> declared,
      boolean informerListFirst) {
    static Server version(String v) {
      return new Server(v, v, b -> {}, b -> {}, false);
    }

    KubeSim build(VirtualTimeSource clock, Cell cell) {
      KubeSim.Builder b =
          KubeSim.builder()
              .serverVersion(version)
              .namespaces(
                  java.util.stream.IntStream.range(0, NAMESPACES)
                      .mapToObj(i -> "ns-" + i)
                      .toArray(String[]::new))
              .clock(clock)
              .kubeletDeletes(false)
              .user(Identity.FULL_RBAC.token, Identity.FULL_RBAC.user)
              .user(Identity.NODE.token, Identity.NODE.user)
              .allow(Identity.FULL_RBAC.user, "*", "*")
              .nodeAuthorizer(true)
              .register(WIDGETS)
              .register(RESOURCE_CLAIMS)
              .aggregatedApi(POD_METRICS);
      sim.accept(b);
      return b.build();
    }

    SafeClient.Builder configure(SafeClient.Builder b) {
      declared.accept(b);
      return b;
    }

    /**
     * What the caller did before the measured call, the same through either client: here, the
     * informer-style {@code resourceVersion=0&limit=500} list an agent starts with.
     */
    void prelude(Fixture f, Cell cell) throws ApiException {
      if (informerListFirst) {
        f.list(cell.kind(), ListArgs.CLUSTER.rv("0").limit(500));
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** The resource a cell calls, how many objects it holds and how it changes. */
  enum Kind {
    /** Pods, written by the caller just before the call: busy. */
    BUSY(PODS, 1000, true, false),
    /** Config maps, last written a minute before the call while other resources changed. */
    QUIET(CONFIG_MAPS, 300, true, true),
    /** A custom resource the kube-apiserver serves from its own storage. */
    CRD(WIDGETS, 300, true, false),
    /** An aggregated API (metrics-server-like): no limit, no resourceVersion, no watch. */
    AGGREGATED(POD_METRICS, 50, false, false),
    /** A beta built-in. */
    BETA(RESOURCE_CLAIMS, 300, true, false);

    final ResourceType type;
    final int count;
    final boolean callerWrites;
    final boolean quiet;

    Kind(ResourceType type, int count, boolean callerWrites, boolean quiet) {
      this.type = type;
      this.count = count;
      this.callerWrites = callerWrites;
      this.quiet = quiet;
    }

    void seed(Fixture f, Cell cell) throws ApiException {
      for (int i = 0; i < count; i++) {
        f.sim.create(type, object(type, "o-" + i, "ns-" + (i % NAMESPACES), i));
      }
      if (!callerWrites) {
        return;
      }
      if (cell.identity() == Identity.NODE) {
        // The node cannot create pods: someone else does, and the node agent's own pod informer
        // sees it (what makes a resource busy to it).
        f.sim.create(type, object(type, "caller-write", NS, 0));
        f.lastWrite = "caller-write";
        if (f.safe != null) {
          ClientInternals.of(f.safe).resourceActivity().changed(type.resourceName());
        }
      } else {
        f.callerWrite(this);
      }
      if (quiet) {
        f.clock.advance(Duration.ofMinutes(1));
        f.pacing.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
          f.sim.create(EVENTS, object(EVENTS, "noise-" + i, NS, i));
        }
      }
    }
  }

  static String object(ResourceType type, String name, String ns, int i) {
    String labels = "{\"app\":\"" + (i % 2 == 0 ? "a" : "b") + "\"}";
    String meta =
        "\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\",\"labels\":" + labels;
    String body =
        switch (type.kind()) {
          case "Pod" ->
              "\"spec\":{\"nodeName\":\"n"
                  + (i % 2 + 1)
                  + "\",\"containers\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.9\"}]}";
          case "ConfigMap" -> "\"data\":{\"payload\":\"" + "x".repeat(256) + "\"}";
          case "PodMetrics" -> "\"window\":\"30s\",\"containers\":[]";
          default -> "\"spec\":{\"size\":" + i + "}";
        };
    return "{\"apiVersion\":\""
        + type.apiVersion()
        + "\",\"kind\":\""
        + type.kind()
        + "\","
        + meta
        + "},"
        + body
        + "}";
  }

  /** One LIST's options; {@code ns} null lists across all namespaces. */
  record ListArgs(
      String ns,
      String rv,
      String match,
      Integer limit,
      String labelSelector,
      String fieldSelector,
      boolean follow,
      String cont) {
    static final ListArgs NAMESPACED = new ListArgs(NS, null, null, null, null, null, false, null);
    static final ListArgs CLUSTER = new ListArgs(null, null, null, null, null, null, false, null);

    ListArgs rv(String v) {
      return new ListArgs(ns, v, match, limit, labelSelector, fieldSelector, follow, cont);
    }

    ListArgs match(String m) {
      return new ListArgs(ns, rv, m, limit, labelSelector, fieldSelector, follow, cont);
    }

    ListArgs limit(int l) {
      return new ListArgs(ns, rv, match, l, labelSelector, fieldSelector, follow, cont);
    }

    ListArgs labels(String s) {
      return new ListArgs(ns, rv, match, limit, s, fieldSelector, follow, cont);
    }

    ListArgs fields(String s) {
      return new ListArgs(ns, rv, match, limit, labelSelector, s, follow, cont);
    }

    ListArgs followContinue() {
      return new ListArgs(ns, rv, match, limit, labelSelector, fieldSelector, true, cont);
    }

    ListArgs continueToken(String c) {
      return new ListArgs(ns, rv, match, limit, labelSelector, fieldSelector, follow, c);
    }
  }

  /** What a call returned, as comparable text: {@code name@resourceVersion} per item. */
  record Observed(List<String> items, boolean freshEnough) {
    static final Observed NONE = new Observed(List.of(), false);
  }

  /** One KubeSim with its clocks and the client under test. */
  static final class Fixture {
    final KubeSim sim;
    final VirtualTimeSource clock;
    final VirtualTimeSource pacing;
    final ApiClient client;
    final SafeClient safe;
    String lastWrite;
    String lastWriteRv;
    V1Pod lastPod;

    Fixture(
        KubeSim sim,
        VirtualTimeSource clock,
        VirtualTimeSource pacing,
        ApiClient client,
        SafeClient safe) {
      this.sim = sim;
      this.clock = clock;
      this.pacing = pacing;
      this.client = client;
      this.safe = safe;
    }

    void callerWrite(Kind kind) throws ApiException {
      lastWrite = "caller-write";
      ResourceType t = kind.type;
      V1ObjectMeta meta =
          new V1ObjectMeta().name(lastWrite).namespace(NS).labels(Map.of("app", "a"));
      switch (t.kind()) {
        case "Pod" -> {
          V1Pod p = new CoreV1Api(client).createNamespacedPod(NS, podBody(meta)).execute();
          lastPod = p;
          lastWriteRv = p.getMetadata().getResourceVersion();
        }
        case "ConfigMap" ->
            lastWriteRv =
                new CoreV1Api(client)
                    .createNamespacedConfigMap(
                        NS, new V1ConfigMap().metadata(meta).data(Map.of("payload", "mine")))
                    .execute()
                    .getMetadata()
                    .getResourceVersion();
        default -> {
          Map<String, Object> body = new TreeMap<>();
          body.put("apiVersion", t.apiVersion());
          body.put("kind", t.kind());
          body.put("metadata", Map.of("name", lastWrite, "namespace", NS));
          body.put("spec", Map.of("size", 1));
          Object created =
              new CustomObjectsApi(client)
                  .createNamespacedCustomObject(t.group(), t.version(), NS, t.plural(), body)
                  .execute();
          lastWriteRv = String.valueOf(metadata(created).get("resourceVersion"));
        }
      }
    }

    static V1Pod podBody(V1ObjectMeta meta) {
      return new V1Pod()
          .metadata(meta)
          .spec(
              new io.kubernetes.client.openapi.models.V1PodSpec()
                  .nodeName("n1")
                  .addContainersItem(
                      new io.kubernetes.client.openapi.models.V1Container()
                          .name("c")
                          .image("registry.k8s.io/pause:3.9")));
    }

    /** Substitutes {@code $WRITE} with the caller's last write's resourceVersion. */
    String rv(String rv) {
      return "$WRITE".equals(rv) ? lastWriteRv : rv;
    }

    Observed list(Kind kind, ListArgs a) throws ApiException {
      List<String> items = new ArrayList<>();
      Page p = page(kind, a, a.cont());
      items.addAll(p.items);
      // Continuations carry no resourceVersion of their own (the server refuses one).
      while (a.follow() && p.cont != null && !p.cont.isEmpty()) {
        p = page(kind, a.rv(null).match(null), p.cont);
        items.addAll(p.items);
      }
      return new Observed(
          items, lastWrite == null || items.stream().anyMatch(i -> i.startsWith(lastWrite + "@")));
    }

    private record Page(List<String> items, String cont) {}

    private Page page(Kind kind, ListArgs a, String cont) throws ApiException {
      ResourceType t = kind.type;
      String rv = rv(a.rv());
      List<String> items = new ArrayList<>();
      CoreV1Api core = new CoreV1Api(client);
      switch (t.kind()) {
        case "Pod" -> {
          V1PodList l =
              a.ns() == null
                  ? core.listPodForAllNamespaces()
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute()
                  : core.listNamespacedPod(a.ns())
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute();
          l.getItems().forEach(p -> items.add(name(p.getMetadata())));
          return new Page(items, l.getMetadata().getContinue());
        }
        case "ConfigMap" -> {
          V1ConfigMapList l =
              a.ns() == null
                  ? core.listConfigMapForAllNamespaces()
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute()
                  : core.listNamespacedConfigMap(a.ns())
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute();
          l.getItems().forEach(c -> items.add(name(c.getMetadata())));
          return new Page(items, l.getMetadata().getContinue());
        }
        default -> {
          CustomObjectsApi custom = new CustomObjectsApi(client);
          Object l =
              a.ns() == null
                  ? custom
                      .listCustomObjectForAllNamespaces(t.group(), t.version(), t.plural())
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute()
                  : custom
                      .listNamespacedCustomObject(t.group(), t.version(), a.ns(), t.plural())
                      .resourceVersion(rv)
                      .resourceVersionMatch(a.match())
                      .limit(a.limit())
                      .labelSelector(a.labelSelector())
                      .fieldSelector(a.fieldSelector())
                      ._continue(cont)
                      .execute();
          Map<?, ?> list = (Map<?, ?>) l;
          for (Object o : (List<?>) list.get("items")) {
            Map<?, ?> m = metadata(o);
            items.add(m.get("name") + "@" + m.get("resourceVersion"));
          }
          Map<?, ?> lm = (Map<?, ?>) list.get("metadata");
          Object c = lm == null ? null : lm.get("continue");
          return new Page(items, c == null ? null : c.toString());
        }
      }
    }

    static Map<?, ?> metadata(Object o) {
      return (Map<?, ?>) ((Map<?, ?>) o).get("metadata");
    }

    static String name(V1ObjectMeta m) {
      return m.getNamespace() + "/" + m.getName() + "@" + m.getResourceVersion();
    }
  }

  /** The call under test. */
  @FunctionalInterface
  interface Call {
    Observed run(Fixture f, Cell cell) throws ApiException;
  }

  record NamedCall(String name, Call call) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** One cell: who calls what on which server. */
  record Cell(Server server, Kind kind, Identity identity, NamedCall named, boolean expectError) {
    Call call() {
      return named.call();
    }

    @Override
    public String toString() {
      return server
          + " | "
          + kind.name().toLowerCase(java.util.Locale.ROOT)
          + " "
          + kind.type.resourceName()
          + " | "
          + (identity == Identity.NODE ? "node " : "")
          + named;
    }
  }

  static NamedCall list(String name, ListArgs a) {
    return new NamedCall("LIST " + name, (f, c) -> f.list(c.kind(), a));
  }

  /** The LIST forms: every resourceVersion form, with and without limit/continue and selectors. */
  static final List<NamedCall> LIST_FORMS =
      List.of(
          list("cluster-wide, RV unset", ListArgs.CLUSTER),
          list("RV unset", ListArgs.NAMESPACED),
          list("RV unset, labelSelector", ListArgs.NAMESPACED.labels("app=a")),
          list("RV \"\"", ListArgs.NAMESPACED.rv("")),
          list("cluster-wide, RV \"\"", ListArgs.CLUSTER.rv("")),
          list("RV \"0\"", ListArgs.NAMESPACED.rv("0")),
          list(
              "RV \"0\", limit 100, continue",
              ListArgs.NAMESPACED.rv("0").limit(100).followContinue()),
          list("RV unset, limit 100, continue", ListArgs.NAMESPACED.limit(100).followContinue()),
          list(
              "cluster-wide, RV unset, limit 500, continue",
              ListArgs.CLUSTER.limit(500).followContinue()),
          list("RV = last write", ListArgs.NAMESPACED.rv("$WRITE")),
          list(
              "RV = last write, NotOlderThan",
              ListArgs.NAMESPACED.rv("$WRITE").match("NotOlderThan")),
          list("RV = last write, Exact", ListArgs.NAMESPACED.rv("$WRITE").match("Exact")),
          list(
              "RV = last write, Exact, limit 100, continue",
              ListArgs.NAMESPACED.rv("$WRITE").match("Exact").limit(100).followContinue()));

  /**
   * The same cluster-wide list twice, a minute apart, as a polling agent sends it: the second one,
   * with one answer seen and no rate yet, is where SC101 up to 1.30 may probe to estimate.
   */
  static final NamedCall LISTED_TWICE =
      new NamedCall(
          "LIST cluster-wide, RV unset, again a minute later",
          (f, c) -> {
            f.list(c.kind(), ListArgs.CLUSTER);
            f.clock.advance(Duration.ofMinutes(1));
            f.pacing.advance(Duration.ofMinutes(1));
            return f.list(c.kind(), ListArgs.CLUSTER);
          });

  /** Requests the server rejects: both clients must get the same 4xx. */
  static final List<NamedCall> INVALID_LISTS =
      List.of(
          list("RV \"\", NotOlderThan (invalid)", ListArgs.NAMESPACED.rv("").match("NotOlderThan")),
          list("RV \"0\", Exact (invalid)", ListArgs.NAMESPACED.rv("0").match("Exact")),
          list(
              "RV = last write, continue (invalid)",
              ListArgs.NAMESPACED.rv("$WRITE").continueToken("garbage")),
          list("labelSelector \"app in x\" (invalid)", ListArgs.NAMESPACED.labels("app in x")));

  static final List<NamedCall> OTHER_VERBS =
      List.of(
          new NamedCall(
              "GET",
              (f, c) ->
                  new Observed(
                      List.of(
                          Fixture.name(
                              new CoreV1Api(f.client)
                                  .readNamespacedPod(f.lastWrite, NS)
                                  .execute()
                                  .getMetadata())),
                      true)),
          new NamedCall("WATCH RV unset", (f, c) -> watch(f, null)),
          new NamedCall("WATCH RV \"0\"", (f, c) -> watch(f, "0")),
          new NamedCall("WATCH RV = last write", (f, c) -> watch(f, f.lastWriteRv)),
          new NamedCall(
              "PUT",
              (f, c) -> {
                V1Pod p = f.lastPod;
                p.getMetadata().setLabels(Map.of("app", "b"));
                V1Pod r =
                    new CoreV1Api(f.client).replaceNamespacedPod(f.lastWrite, NS, p).execute();
                return written(f, r);
              }),
          new NamedCall(
              "PATCH (merge)",
              (f, c) -> {
                CoreV1Api api = new CoreV1Api(f.client);
                V1Pod r =
                    PatchUtils.patch(
                        V1Pod.class,
                        () ->
                            api.patchNamespacedPod(
                                    f.lastWrite,
                                    NS,
                                    new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"c\"}}}"))
                                .buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                        f.client);
                return written(f, r);
              }),
          new NamedCall(
              "DELETE",
              (f, c) -> {
                new CoreV1Api(f.client).deleteNamespacedPod(f.lastWrite, NS).execute();
                return new Observed(List.of("count=" + f.sim.count(PODS)), true);
              }),
          new NamedCall(
              "DeleteCollection labelSelector",
              (f, c) -> {
                new CoreV1Api(f.client)
                    .deleteCollectionNamespacedPod(NS)
                    .labelSelector("app=b")
                    .execute();
                return new Observed(List.of("count=" + f.sim.count(PODS)), true);
              }));

  private static Observed written(Fixture f, V1Pod r) {
    return new Observed(
        List.of(
            Fixture.name(r.getMetadata()) + " " + r.getMetadata().getLabels(),
            "count=" + f.sim.count(PODS)),
        true);
  }

  /**
   * Opens a watch of ns-0's pods, makes one more pod after it is open, and reads up to that pod's
   * ADDED event; bookmarks are left out (the safe client asks for them). The pod's name sorts last,
   * so whether the server's initial events already hold it or not, it ends the list.
   */
  private static Observed watch(Fixture f, String rv) throws ApiException {
    CoreV1Api api = new CoreV1Api(f.client);
    List<String> events = new ArrayList<>();
    try (Watch<V1Pod> w =
        Watch.createWatch(
            f.client,
            api.listNamespacedPod(NS)
                .resourceVersion(rv)
                .timeoutSeconds(60)
                .watch(true)
                .buildCall(null),
            new com.google.gson.reflect.TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
      f.sim.create(PODS, object(PODS, "zz-after-watch", NS, 0));
      for (Watch.Response<V1Pod> e : w) {
        if ("BOOKMARK".equals(e.type)) {
          continue;
        }
        events.add(e.type + " " + Fixture.name(e.object.getMetadata()));
        if ("zz-after-watch".equals(e.object.getMetadata().getName())) {
          break;
        }
      }
    } catch (java.io.IOException e) {
      throw new ApiException(e);
    }
    return new Observed(events, true);
  }

  static final Server V130 = Server.version("1.30");

  static final List<Server> VERSIONS =
      List.of(
          V130,
          Server.version("1.32"),
          Server.version("1.33"),
          Server.version("1.34"),
          Server.version("1.35"),
          Server.version("1.36"));

  static final List<Server> DEPLOYMENTS =
      List.of(
          new Server("1.34 old etcd", "1.34", b -> b.oldEtcd(true), b -> {}, false),
          new Server(
              "1.34 old etcd (declared)",
              "1.34",
              b -> b.oldEtcd(true),
              b -> b.oldEtcd(true),
              false),
          new Server(
              "1.30 pods watch cache disabled, after an RV=0 list",
              "1.30",
              b -> b.watchCacheDisabled("pods"),
              b -> {},
              true),
          new Server(
              "1.30 pods watch cache disabled (declared)",
              "1.30",
              b -> b.watchCacheDisabled("pods"),
              b -> b.watchCacheDisabled("pods"),
              false),
          new Server(
              "1.30 two apiservers, one lagging 2 s",
              "1.30",
              b -> b.apiservers(2).cacheLag(1, Duration.ofSeconds(2)),
              b -> {},
              false),
          new Server(
              "1.30 with AuthorizeNodeWithSelectors",
              "1.30",
              b -> b.featureGate(FeatureGate.AUTHORIZE_NODE_WITH_SELECTORS, true),
              b -> {},
              false));

  static List<Cell> all() {
    List<Cell> cells = new ArrayList<>();
    for (Server s : VERSIONS) {
      for (NamedCall c : LIST_FORMS) {
        cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, c, false));
      }
      cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, LISTED_TWICE, false));
      cells.add(new Cell(s, Kind.QUIET, Identity.FULL_RBAC, LISTED_TWICE, false));
      for (Kind k : List.of(Kind.QUIET, Kind.CRD, Kind.AGGREGATED, Kind.BETA)) {
        cells.add(new Cell(s, k, Identity.FULL_RBAC, LIST_FORMS.get(0), false));
        cells.add(new Cell(s, k, Identity.FULL_RBAC, LIST_FORMS.get(1), false));
        cells.add(new Cell(s, k, Identity.FULL_RBAC, LIST_FORMS.get(3), false));
      }
      cells.add(
          new Cell(
              s,
              Kind.BUSY,
              Identity.NODE,
              list(
                  "cluster-wide, RV unset, fieldSelector spec.nodeName=n1",
                  ListArgs.CLUSTER.fields("spec.nodeName=n1")),
              false));
    }
    for (Server s : List.of(V130, Server.version("1.34"))) {
      for (NamedCall c : INVALID_LISTS) {
        cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, c, true));
      }
      for (NamedCall c : OTHER_VERBS) {
        cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, c, false));
      }
    }
    for (Server s : DEPLOYMENTS) {
      cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, LIST_FORMS.get(0), false));
      cells.add(new Cell(s, Kind.BUSY, Identity.FULL_RBAC, LIST_FORMS.get(3), false));
      cells.add(
          new Cell(
              s,
              Kind.BUSY,
              Identity.NODE,
              list(
                  "cluster-wide, RV unset, fieldSelector spec.nodeName=n1",
                  ListArgs.CLUSTER.fields("spec.nodeName=n1")),
              false));
    }
    return cells;
  }
}
