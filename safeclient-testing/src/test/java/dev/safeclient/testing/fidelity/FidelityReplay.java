package dev.safeclient.testing.fidelity;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreApi;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.PatchUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The calls whose answers KubeSim models (discovery, reads, writes, watches, errors), made the same
 * way against one server through a {@link RecordingProxy}: raw HTTP, client-java 27 and fabric8 7.9
 * (its typed DSL, a watch and an informer, each over HTTP and over fabric8's default WebSocket).
 * Every call is tagged with the area it counts under. Nothing here asserts: the replay answers are
 * compared afterwards by {@link FidelityDiff}.
 */
final class FidelityReplay {
  static final String NS = "fidelity";

  /** Every area a step counts under, so that an area with no difference still has a row. */
  static final List<String> AREAS =
      List.of(
          "namespaces",
          "create",
          "get",
          "list",
          "paging",
          "serving",
          "watch",
          "update",
          "patch-merge",
          "patch-strategic",
          "patch-apply",
          "patch-json",
          "dry-run",
          "subresource-status",
          "subresource-scale",
          "subresource-log",
          "subresource-unknown",
          "delete",
          "discovery",
          "validation");

  /** Bounds each wait for something a server sends within a second; never reached when equal. */
  private static final long WAIT_SECONDS = 20;

  /** Where a server says it served a list and what APF estimated it at, for one call. */
  interface ServingProbe {
    /** Runs {@code call} (a list of {@code resource}) and describes how the server served it. */
    String around(String resource, Runnable call);
  }

  private final RecordingProxy proxy;
  private final ServingProbe serving;
  private final HttpClient raw =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ApiClient clientJava;
  private final KubernetesClient fabric8;
  private final KubernetesClient fabric8WebSocket;

  FidelityReplay(RecordingProxy proxy, ServingProbe serving) {
    this.proxy = proxy;
    this.serving = serving;
    this.clientJava = new ApiClient();
    clientJava.setBasePath(proxy.url());
    clientJava.setHttpClient(
        clientJava.getHttpClient().newBuilder().readTimeout(Duration.ZERO).build());
    Config config =
        new ConfigBuilder()
            .withMasterUrl(proxy.url())
            .withOnlyHttpWatches(true)
            .withRequestRetryBackoffLimit(0)
            .build();
    this.fabric8 =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    this.fabric8WebSocket =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(proxy.url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
  }

  /** Every area, in an order where each step's objects exist. */
  void run() throws Exception {
    try {
      namespaces();
      creates();
      gets();
      lists();
      paging();
      servingOfLists();
      watches();
      updates();
      mergePatches();
      strategicMergePatches();
      jsonPatches();
      dryRuns();
      subresources();
      deletes();
      discovery();
      validation();
    } finally {
      fabric8.close();
      fabric8WebSocket.close();
    }
  }

  // ---- namespaces

  private void namespaces() {
    step("namespaces", "raw", "create namespace");
    post("/api/v1/namespaces", ns(NS));
    post("/api/v1/namespaces", ns("doomed"));
    // No controller-manager runs beside the real server: the ServiceAccount admission plugin
    // needs the namespace's default ServiceAccount before a pod can be created.
    post("/api/v1/namespaces/" + NS + "/serviceaccounts", "{\"metadata\":{\"name\":\"default\"}}");
    step("namespaces", "raw", "get namespace");
    get("/api/v1/namespaces/" + NS);
    step("namespaces", "raw", "create in a missing namespace");
    post("/api/v1/namespaces/nowhere/configmaps", configMap("cm-x", "a", "1"));
    step("namespaces", "raw", "delete a namespace with content");
    post("/api/v1/namespaces/doomed/configmaps", configMap("cm-d", "a", "1"));
    delete("/api/v1/namespaces/doomed");
    get("/api/v1/namespaces/doomed");
    step("namespaces", "raw", "create in a terminating namespace");
    post("/api/v1/namespaces/doomed/configmaps", configMap("cm-late", "a", "1"));
    step("namespaces", "client-java", "read namespace");
    quietly(() -> new CoreV1Api(clientJava).readNamespace(NS).execute());
    step("namespaces", "fabric8", "get namespace");
    quietly(() -> fabric8.namespaces().withName(NS).get());
  }

  // ---- writes that make the objects the reads use

  private void creates() {
    step("create", "raw", "configmaps");
    for (String name : List.of("cm-a", "cm-b", "cm-c", "cm-d", "cm-e")) {
      post(path("configmaps"), configMap(name, "k", name));
    }
    step("create", "raw", "generateName");
    post(path("configmaps"), "{\"metadata\":{\"generateName\":\"gen-\"},\"data\":{\"k\":\"v\"}}");
    step("create", "raw", "already exists");
    post(path("configmaps"), configMap("cm-a", "k", "again"));
    step("create", "raw", "pod");
    post(
        path("pods"),
        "{\"metadata\":{\"name\":\"pod-a\",\"labels\":{\"app\":\"a\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    step("create", "raw", "deployment");
    post("/apis/apps/v1/namespaces/" + NS + "/deployments", deployment("dep-a", 1));
    post("/apis/apps/v1/namespaces/" + NS + "/deployments", deployment("dep-b", 1));
    step("create", "client-java", "configmap");
    quietly(
        () ->
            new CoreV1Api(clientJava)
                .createNamespacedConfigMap(NS, cjConfigMap("cm-cj"))
                .execute());
    step("create", "fabric8", "configmap");
    quietly(() -> fabric8.configMaps().inNamespace(NS).resource(f8ConfigMap("cm-f8")).create());
  }

  private void gets() {
    step("get", "raw", "configmap");
    get(path("configmaps/cm-a"));
    step("get", "raw", "missing");
    get(path("configmaps/nope"));
    step("get", "raw", "pod");
    get(path("pods/pod-a"));
    step("get", "raw", "deployment");
    get("/apis/apps/v1/namespaces/" + NS + "/deployments/dep-a");
    step("get", "raw", "cluster-scoped");
    get("/api/v1/namespaces/" + NS);
    step("get", "client-java", "configmap");
    quietly(() -> new CoreV1Api(clientJava).readNamespacedConfigMap("cm-a", NS).execute());
    step("get", "client-java", "missing");
    quietly(() -> new CoreV1Api(clientJava).readNamespacedConfigMap("nope", NS).execute());
    step("get", "fabric8", "configmap");
    quietly(() -> fabric8.configMaps().inNamespace(NS).withName("cm-a").get());
    step("get", "fabric8", "missing");
    quietly(() -> fabric8.configMaps().inNamespace(NS).withName("nope").get());
  }

  private void lists() {
    step("list", "raw", "resourceVersion for the forms");
    String rv = listResourceVersion();
    String base = path("configmaps");
    Map<String, String> forms = listForms(rv);
    forms.forEach(
        (form, query) -> {
          step("list", "raw", form);
          get(base + query);
        });
    step("list", "raw", "unsupported field label");
    get(base + "?fieldSelector=metadata.labels.app%3Da");
    step("list", "raw", "set-based label selector");
    get(base + "?labelSelector=k%20in%20(a,b)");
    step("list", "raw", "malformed label selector");
    get(base + "?labelSelector=a%3Db%20c");
    step("list", "raw", "all namespaces");
    get("/api/v1/pods");
    step("list", "client-java", "configmaps");
    quietly(
        () -> new CoreV1Api(clientJava).listNamespacedConfigMap(NS).labelSelector("k").execute());
    step("list", "fabric8", "configmaps");
    quietly(() -> fabric8.configMaps().inNamespace(NS).withLabel("k").list());
  }

  /** The list forms the serving model distinguishes, as query strings. */
  private static Map<String, String> listForms(String rv) {
    Map<String, String> forms = new java.util.LinkedHashMap<>();
    forms.put("consistent (no resourceVersion)", "");
    forms.put("resourceVersion=\"\"", "?resourceVersion=");
    forms.put("resourceVersion=0", "?resourceVersion=0");
    forms.put("resourceVersion=0 limit=2", "?resourceVersion=0&limit=2");
    forms.put("consistent limit=2", "?limit=2");
    forms.put("Exact", "?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
    forms.put("NotOlderThan", "?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan");
    forms.put("Exact limit=2", "?resourceVersion=" + rv + "&resourceVersionMatch=Exact&limit=2");
    forms.put("legacy resourceVersion=<rv>", "?resourceVersion=" + rv);
    forms.put("fieldSelector metadata.name", "?fieldSelector=metadata.name%3Dcm-a");
    forms.put("labelSelector", "?labelSelector=k%3Dcm-a");
    return forms;
  }

  private void paging() {
    String base = path("configmaps");
    step("paging", "raw", "consistent, every page");
    walkPages(base + "?limit=2");
    step("paging", "raw", "resourceVersion=0, every page");
    walkPages(base + "?resourceVersion=0&limit=2");
    step("paging", "raw", "bad continue token");
    get(base + "?limit=2&continue=garbage");
    step("paging", "client-java", "every page");
    quietly(
        () -> {
          String token = null;
          do {
            V1ConfigMapList page =
                new CoreV1Api(clientJava)
                    .listNamespacedConfigMap(NS)
                    .limit(2)
                    ._continue(token)
                    .execute();
            token = page.getMetadata().getContinue();
          } while (token != null && !token.isEmpty());
          return null;
        });
    step("paging", "fabric8", "every page");
    quietly(
        () -> {
          String token = null;
          do {
            var page =
                fabric8
                    .configMaps()
                    .inNamespace(NS)
                    .list(new ListOptionsBuilder().withLimit(2L).withContinue(token).build());
            token = page.getMetadata().getContinue();
          } while (token != null && !token.isEmpty());
          return null;
        });
  }

  private void walkPages(String first) {
    String url = first;
    for (int i = 0; i < 10; i++) {
      String token = jsonField(get(url), "metadata", "continue");
      if (token.isEmpty()) {
        return;
      }
      url =
          first
              + "&continue="
              + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Where each list form was served and what APF estimated it at, per server's own account. */
  private void servingOfLists() {
    step("serving", "raw", "resourceVersion for the forms");
    String rv = listResourceVersion();
    listForms(rv)
        .forEach(
            (form, query) -> {
              step("serving", "raw", form);
              String how = serving.around("configmaps", () -> get(path("configmaps") + query));
              proxy.observe(how);
            });
  }

  // ---- watches

  private void watches() throws Exception {
    String base = path("configmaps");
    step("watch", "raw", "changes before the watches");
    post(base, configMapLabelled("cm-w1", "w", "1"));
    String rv = listResourceVersion();
    put(base + "/cm-w1", withResourceVersion(get(base + "/cm-w1"), "\"data\":{\"k\":\"changed\"}"));
    post(base, configMapLabelled("cm-w2", "w", "1"));
    delete(base + "/cm-w2");
    step("watch", "raw", "from a list's resourceVersion");
    watch(base + "?watch=true&labelSelector=w&resourceVersion=" + rv + "&timeoutSeconds=1");
    step("watch", "raw", "from resourceVersion=0");
    watch(base + "?watch=true&labelSelector=w&resourceVersion=0&timeoutSeconds=1");
    step("watch", "raw", "without resourceVersion");
    watch(base + "?watch=true&labelSelector=w&timeoutSeconds=1");
    step("watch", "raw", "sendInitialEvents");
    watch(
        base
            + "?watch=true&labelSelector=w&sendInitialEvents=true&allowWatchBookmarks=true"
            + "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1");
    step("watch", "raw", "from a resourceVersion too old");
    watch(base + "?watch=true&resourceVersion=1&timeoutSeconds=1");
    step("watch", "raw", "path form /watch/");
    watch("/api/v1/watch/namespaces/" + NS + "/configmaps?labelSelector=w&timeoutSeconds=1");

    step("watch", "client-java", "from a list's resourceVersion");
    quietly(
        () -> {
          var call =
              new CoreV1Api(clientJava)
                  .listNamespacedConfigMap(NS)
                  .labelSelector("w")
                  .resourceVersion(rv)
                  .watch(true)
                  .timeoutSeconds(1)
                  .buildCall(null);
          try (io.kubernetes.client.util.Watch<V1ConfigMap> w =
              io.kubernetes.client.util.Watch.createWatch(
                  clientJava,
                  call,
                  new com.google.gson.reflect.TypeToken<
                      io.kubernetes.client.util.Watch.Response<V1ConfigMap>>() {}.getType())) {
            for (io.kubernetes.client.util.Watch.Response<V1ConfigMap> e : w) {
              proxy.observe(
                  "client-java watch: " + e.type + " " + e.object.getMetadata().getName());
            }
          }
          return null;
        });

    fabric8Watch(fabric8, "watch", "f8w");
    fabric8Informer(fabric8, "informer", "inf");
    // fabric8's default transport for watches: a WebSocket upgrade, which the proxy relays.
    fabric8Watch(fabric8WebSocket, "watch over WebSocket", "f8ws");
    fabric8Informer(fabric8WebSocket, "informer over WebSocket", "infws");
  }

  /** A fabric8 watch of config maps labelled {@code label}, through a create, update and delete. */
  private void fabric8Watch(KubernetesClient client, String call, String label) {
    step("watch", "fabric8", call);
    String name = "cm-" + label;
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> threeEvents = new CompletableFuture<>();
    Watch watch =
        client
            .configMaps()
            .inNamespace(NS)
            .withLabel(label)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap cm) {
                    seen.add(action + " " + cm.getMetadata().getName());
                    if (seen.size() >= 3) {
                      threeEvents.complete(null);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    seen.add("closed " + cause.getMessage());
                  }
                });
    quietly(() -> client.configMaps().inNamespace(NS).resource(labelled(name, label)).create());
    quietly(() -> changeByUpdate(name));
    quietly(() -> client.configMaps().inNamespace(NS).withName(name).delete());
    await(threeEvents);
    watch.close();
    proxy.observe("fabric8 watch: " + seen);
  }

  /** A fabric8 informer of config maps labelled {@code label}, through a create, update, delete. */
  private void fabric8Informer(KubernetesClient client, String call, String label)
      throws Exception {
    step("watch", "fabric8", call);
    String name = "cm-" + label;
    List<String> handled = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    SharedIndexInformer<ConfigMap> informer =
        client.configMaps().inNamespace(NS).withLabel(label).runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            handled.add("add " + cm.getMetadata().getName());
          }

          @Override
          public void onUpdate(ConfigMap before, ConfigMap after) {
            handled.add("update " + after.getMetadata().getName());
          }

          @Override
          public void onDelete(ConfigMap cm, boolean unknownFinalState) {
            handled.add("delete " + cm.getMetadata().getName());
            deleted.complete(null);
          }
        });
    try {
      // inform() would wait for the first sync without bound; a watch that never starts (a
      // transport the server refuses) is itself a difference, recorded on the wire.
      CompletableFuture<Void> synced = informer.start().toCompletableFuture();
      await(synced);
      if (!synced.isDone()) {
        proxy.observe("fabric8 informer: not synced within " + WAIT_SECONDS + " s");
        return;
      }
      quietly(() -> client.configMaps().inNamespace(NS).resource(labelled(name, label)).create());
      quietly(() -> changeByUpdate(name));
      quietly(() -> client.configMaps().inNamespace(NS).withName(name).delete());
      await(deleted);
    } finally {
      informer.stop();
    }
    proxy.observe("fabric8 informer: " + handled);
  }

  // ---- updates and patches

  private void updates() {
    String cm = path("configmaps/cm-a");
    step("update", "raw", "replace");
    String current = get(cm);
    put(cm, withResourceVersion(current, "\"data\":{\"k\":\"replaced\"}"));
    step("update", "raw", "stale resourceVersion");
    put(cm, withResourceVersion(current, "\"data\":{\"k\":\"stale\"}"));
    step("update", "raw", "no-op replace");
    put(cm, get(cm));
    step("update", "raw", "missing object");
    put(path("configmaps/nope"), configMap("nope", "k", "v"));
    step("update", "client-java", "replace");
    quietly(
        () -> {
          CoreV1Api api = new CoreV1Api(clientJava);
          V1ConfigMap c = api.readNamespacedConfigMap("cm-b", NS).execute();
          c.putDataItem("k", "client-java");
          return api.replaceNamespacedConfigMap("cm-b", NS, c).execute();
        });
    step("update", "fabric8", "update");
    quietly(
        () -> {
          ConfigMap c = fabric8.configMaps().inNamespace(NS).withName("cm-c").get();
          c.getData().put("k", "fabric8");
          return fabric8.configMaps().inNamespace(NS).resource(c).update();
        });
  }

  private void mergePatches() {
    String merge = "application/merge-patch+json";
    step("patch-merge", "raw", "configmap");
    patch(path("configmaps/cm-a"), merge, "{\"data\":{\"m\":\"1\"}}");
    step("patch-merge", "raw", "delete a key");
    patch(path("configmaps/cm-a"), merge, "{\"data\":{\"m\":null}}");
    step("patch-merge", "raw", "no-op");
    patch(path("configmaps/cm-a"), merge, "{}");
    step("patch-merge", "raw", "deployment containers replaced");
    patch(
        deployments("dep-a"),
        merge,
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
    step("patch-merge", "raw", "malformed");
    patch(path("configmaps/cm-a"), merge, "{not json");
    step("patch-merge", "client-java", "configmap");
    quietly(
        () ->
            PatchUtils.patch(
                V1ConfigMap.class,
                () ->
                    new CoreV1Api(clientJava)
                        .patchNamespacedConfigMap(
                            "cm-b", NS, new V1Patch("{\"data\":{\"cj\":\"1\"}}"))
                        .buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                clientJava));
    step("patch-merge", "fabric8", "configmap");
    quietly(
        () ->
            fabric8
                .configMaps()
                .inNamespace(NS)
                .withName("cm-c")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"f8\":\"1\"}}"));
  }

  private void strategicMergePatches() {
    String smp = "application/strategic-merge-patch+json";
    step("patch-strategic", "raw", "add a container by merge key");
    patch(
        deployments("dep-b"),
        smp,
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"side\",\"image\":\"busybox\"}]}}}}");
    step("patch-strategic", "raw", "$setElementOrder and a changed image");
    patch(
        deployments("dep-b"),
        smp,
        "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"side\"},"
            + "{\"name\":\"c\"}],\"containers\":[{\"name\":\"c\",\"image\":\"nginx:2\"}]}}}}");
    step("patch-strategic", "raw", "$patch delete");
    patch(
        deployments("dep-b"),
        smp,
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"side\",\"$patch\":\"delete\"}]}}}}");
    step("patch-strategic", "raw", "configmap");
    patch(path("configmaps/cm-a"), smp, "{\"data\":{\"s\":\"1\"}}");
    step("patch-strategic", "client-java", "deployment");
    quietly(
        () ->
            PatchUtils.patch(
                io.kubernetes.client.openapi.models.V1Deployment.class,
                () ->
                    new AppsV1Api(clientJava)
                        .patchNamespacedDeployment(
                            "dep-b",
                            NS,
                            new V1Patch(
                                "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"cj\":\"1\"}}}}}"))
                        .buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                clientJava));
    step("patch-strategic", "fabric8", "deployment");
    quietly(
        () ->
            fabric8
                .apps()
                .deployments()
                .inNamespace(NS)
                .withName("dep-b")
                .patch(
                    PatchContext.of(PatchType.STRATEGIC_MERGE),
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"f8\",\"image\":\"busybox\"}]}}}}"));
    step("patch-apply", "raw", "server-side apply");
    patch(
        path("configmaps/cm-ssa") + "?fieldManager=fidelity",
        "application/apply-patch+yaml",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-ssa\"},\"data\":{\"k\":\"v\"}}");
  }

  private void jsonPatches() {
    String json = "application/json-patch+json";
    step("patch-json", "raw", "add and replace");
    patch(
        path("configmaps/cm-a"),
        json,
        "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"1\"},"
            + "{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"json\"}]");
    step("patch-json", "raw", "failing test");
    patch(
        path("configmaps/cm-a"),
        json,
        "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"other\"}]");
    step("patch-json", "raw", "remove a missing path");
    patch(path("configmaps/cm-a"), json, "[{\"op\":\"remove\",\"path\":\"/data/absent\"}]");
    step("patch-json", "client-java", "configmap");
    quietly(
        () ->
            PatchUtils.patch(
                V1ConfigMap.class,
                () ->
                    new CoreV1Api(clientJava)
                        .patchNamespacedConfigMap(
                            "cm-b",
                            NS,
                            new V1Patch("[{\"op\":\"add\",\"path\":\"/data/jp\",\"value\":\"1\"}]"))
                        .buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_PATCH,
                clientJava));
    step("patch-json", "fabric8", "edit");
    quietly(
        () ->
            fabric8
                .configMaps()
                .inNamespace(NS)
                .withName("cm-c")
                .edit(cm -> withData(cm, "edited")));
  }

  private void dryRuns() {
    step("dry-run", "raw", "create");
    post(path("configmaps") + "?dryRun=All", configMap("cm-dry", "k", "v"));
    get(path("configmaps/cm-dry"));
    step("dry-run", "raw", "delete");
    delete(path("configmaps/cm-e") + "?dryRun=All");
    get(path("configmaps/cm-e"));
    step("dry-run", "raw", "patch");
    patch(
        path("configmaps/cm-e") + "?dryRun=All",
        "application/merge-patch+json",
        "{\"data\":{\"d\":\"1\"}}");
    step("dry-run", "raw", "invalid create");
    post(path("configmaps") + "?dryRun=All", configMap("Bad_Name", "k", "v"));
    step("dry-run", "client-java", "create");
    quietly(
        () ->
            new CoreV1Api(clientJava)
                .createNamespacedConfigMap(NS, cjConfigMap("cm-cj-dry"))
                .dryRun("All")
                .execute());
    step("dry-run", "fabric8", "create");
    quietly(
        () ->
            fabric8
                .configMaps()
                .inNamespace(NS)
                .resource(f8ConfigMap("cm-f8-dry"))
                .dryRun()
                .create());
  }

  private void subresources() {
    String dep = deployments("dep-a");
    step("subresource-status", "raw", "get");
    get(dep + "/status");
    step("subresource-status", "raw", "merge patch");
    patch(dep + "/status", "application/merge-patch+json", "{\"status\":{\"replicas\":7}}");
    step("subresource-status", "raw", "status through the main resource");
    patch(dep, "application/merge-patch+json", "{\"status\":{\"replicas\":9}}");
    step("subresource-status", "client-java", "read");
    quietly(() -> new AppsV1Api(clientJava).readNamespacedDeploymentStatus("dep-a", NS).execute());
    step("subresource-scale", "raw", "get");
    get(dep + "/scale");
    step("subresource-scale", "raw", "merge patch");
    patch(dep + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}");
    step("subresource-scale", "client-java", "read");
    quietly(() -> new AppsV1Api(clientJava).readNamespacedDeploymentScale("dep-a", NS).execute());
    step("subresource-scale", "fabric8", "scale");
    quietly(() -> fabric8.apps().deployments().inNamespace(NS).withName("dep-a").scale(2));
    step("subresource-log", "raw", "log");
    get(path("pods/pod-a/log"));
    step("subresource-log", "client-java", "log");
    quietly(() -> new CoreV1Api(clientJava).readNamespacedPodLog("pod-a", NS).execute());
    step("subresource-log", "fabric8", "log");
    quietly(() -> fabric8.pods().inNamespace(NS).withName("pod-a").getLog());
    step("subresource-unknown", "raw", "get");
    get(path("configmaps/cm-a/nope"));
    step("subresource-unknown", "raw", "pod exec without upgrade");
    get(path("pods/pod-a/exec") + "?command=ls");
  }

  private void deletes() {
    step("delete", "raw", "configmap");
    delete(path("configmaps/cm-d"));
    step("delete", "raw", "missing");
    delete(path("configmaps/cm-d"));
    step("delete", "raw", "pod");
    delete(path("pods/pod-a"));
    step("delete", "raw", "deployment orphan");
    delete(deployments("dep-b") + "?propagationPolicy=Orphan");
    step("delete", "raw", "orphanDependents=false");
    deleteWithBody(deployments("dep-a"), "{\"orphanDependents\":false}");
    step("delete", "raw", "collection");
    delete(path("configmaps") + "?labelSelector=w");
    step("delete", "client-java", "configmap");
    quietly(() -> new CoreV1Api(clientJava).deleteNamespacedConfigMap("cm-b", NS).execute());
    step("delete", "fabric8", "configmap");
    quietly(() -> fabric8.configMaps().inNamespace(NS).withName("cm-c").delete());
  }

  private void discovery() {
    step("discovery", "raw", "/version");
    get("/version");
    for (String p : List.of("/api", "/apis", "/api/v1", "/apis/apps", "/apis/apps/v1")) {
      step("discovery", "raw", p);
      get(p);
    }
    step("discovery", "raw", "aggregated /apis");
    send(
        "GET",
        "/apis",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        null,
        null);
    step("discovery", "raw", "aggregated /api");
    send(
        "GET",
        "/api",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        null,
        null);
    step("discovery", "raw", "SelfSubjectAccessReview");
    post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
            + "\"spec\":{\"resourceAttributes\":{\"verb\":\"list\",\"resource\":\"pods\","
            + "\"namespace\":\""
            + NS
            + "\"}}}");
    step("discovery", "raw", "unknown group");
    get("/apis/nope.example.com/v1");
    step("discovery", "client-java", "api versions");
    quietly(() -> new CoreApi(clientJava).getAPIVersions().execute());
    step("discovery", "fabric8", "api groups");
    quietly(() -> fabric8.getApiGroups());
    step("discovery", "fabric8", "version");
    quietly(() -> fabric8.getKubernetesVersion());
  }

  private void validation() {
    String base = path("configmaps");
    step("validation", "raw", "invalid name");
    post(base, configMap("Bad_Name", "k", "v"));
    step("validation", "raw", "kind mismatch");
    post(base, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"cm-kind\"}}");
    step("validation", "raw", "resourceVersion on create");
    post(base, "{\"metadata\":{\"name\":\"cm-rv\",\"resourceVersion\":\"5\"}}");
    step("validation", "raw", "immutable data changed");
    post(base, "{\"metadata\":{\"name\":\"cm-imm\"},\"immutable\":true,\"data\":{\"k\":\"v\"}}");
    patch(base + "/cm-imm", "application/merge-patch+json", "{\"data\":{\"k\":\"w\"}}");
    step("validation", "raw", "unknown field, Strict");
    post(base + "?fieldValidation=Strict", "{\"metadata\":{\"name\":\"cm-strict\"},\"bogus\":1}");
    step("validation", "raw", "unknown field, Warn");
    post(base + "?fieldValidation=Warn", "{\"metadata\":{\"name\":\"cm-warn\"},\"bogus\":1}");
    step("validation", "raw", "unknown field, default");
    post(base, "{\"metadata\":{\"name\":\"cm-default\"},\"bogus\":1}");
    step("validation", "raw", "malformed body");
    post(base, "{\"metadata\":");
    step("validation", "raw", "name in body differs from path");
    put(base + "/cm-a", configMap("cm-other", "k", "v"));
    step("validation", "client-java", "invalid name");
    quietly(
        () ->
            new CoreV1Api(clientJava)
                .createNamespacedConfigMap(NS, cjConfigMap("Bad_Name"))
                .execute());
    step("validation", "fabric8", "invalid name");
    quietly(() -> fabric8.configMaps().inNamespace(NS).resource(f8ConfigMap("Bad_Name")).create());
  }

  // ---- helpers

  private void step(String area, String client, String call) {
    proxy.step(area, client, call);
  }

  /** The current resourceVersion of the namespace's configmaps, read under the caller's step. */
  private String listResourceVersion() {
    return jsonField(get(path("configmaps")), "metadata", "resourceVersion");
  }

  private static String path(String rest) {
    return "/api/v1/namespaces/" + NS + "/" + rest;
  }

  private static String deployments(String name) {
    return "/apis/apps/v1/namespaces/" + NS + "/deployments/" + name;
  }

  private String get(String p) {
    return send("GET", p, "application/json", null, null);
  }

  private String post(String p, String body) {
    return send("POST", p, "application/json", "application/json", body);
  }

  private String put(String p, String body) {
    return send("PUT", p, "application/json", "application/json", body);
  }

  private String patch(String p, String contentType, String body) {
    return send("PATCH", p, "application/json", contentType, body);
  }

  private String delete(String p) {
    return send("DELETE", p, "application/json", null, null);
  }

  private String deleteWithBody(String p, String body) {
    return send("DELETE", p, "application/json", "application/json", body);
  }

  private String send(String method, String p, String accept, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(proxy.url() + p))
            .timeout(Duration.ofSeconds(WAIT_SECONDS))
            .header("Accept", accept)
            .header("User-Agent", "fidelity-raw")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try {
      return raw.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A watch that the server ends (timeoutSeconds); the proxy records its events. */
  private void watch(String p) {
    CompletableFuture<HttpResponse<String>> f =
        raw.sendAsync(
            HttpRequest.newBuilder(URI.create(proxy.url() + p))
                .header("Accept", "application/json")
                .header("User-Agent", "fidelity-raw")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    try {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true); // a server that ignores timeoutSeconds: the difference is in the record
    } catch (ExecutionException e) {
      // recorded
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(CompletableFuture<Void> f) {
    try {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // The events that did arrive are observed and compared.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A client call whose failure is part of what is compared: its wire exchange is recorded. */
  private static void quietly(Supplier0 call) {
    try {
      call.get();
    } catch (Exception e) {
      // Recorded by the proxy; the typed error is the client's reading of it.
    }
  }

  @FunctionalInterface
  private interface Supplier0 {
    Object get() throws Exception;
  }

  private static String jsonField(String json, String object, String field) {
    try {
      JsonObject o = JsonParser.parseString(json).getAsJsonObject().getAsJsonObject(object);
      return o != null && o.has(field) ? o.get(field).getAsString() : "";
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** {@code json} with its data replaced by {@code dataMember}, keeping its resourceVersion. */
  private static String withResourceVersion(String json, String dataMember) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    JsonObject patch = JsonParser.parseString("{" + dataMember + "}").getAsJsonObject();
    patch.entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
    return o.toString();
  }

  private static String ns(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
        + name
        + "\"}}";
  }

  private static String configMap(String name, String key, String value) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\",\"labels\":{\"k\":\""
        + value.replaceAll("[^a-z0-9-]", "x")
        + "\"}},\"data\":{\""
        + key
        + "\":\""
        + value
        + "\"}}";
  }

  private static String configMapLabelled(String name, String label, String value) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\",\"labels\":{\""
        + label
        + "\":\""
        + value
        + "\"}},\"data\":{\"k\":\"v\"}}";
  }

  private static String deployment(String name, int replicas) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"replicas\":"
        + replicas
        + ",\"selector\":{\"matchLabels\":{\"app\":\""
        + name
        + "\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\""
        + name
        + "\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}";
  }

  private static V1ConfigMap cjConfigMap(String name) {
    return new V1ConfigMap()
        .metadata(new V1ObjectMeta().name(name).putLabelsItem("k", "cj"))
        .putDataItem("k", "v");
  }

  private static ConfigMap f8ConfigMap(String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("k", "f8")
        .endMetadata()
        .addToData("k", "v")
        .build();
  }

  private static ConfigMap labelled(String name, String label) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(label, "1")
        .endMetadata()
        .addToData("k", "v")
        .build();
  }

  /** A change made by GET and PUT, so that a watch's events do not depend on patch support. */
  private ConfigMap changeByUpdate(String name) {
    ConfigMap cm = fabric8.configMaps().inNamespace(NS).withName(name).get();
    return fabric8.configMaps().inNamespace(NS).resource(withData(cm, "changed")).update();
  }

  private static ConfigMap withData(ConfigMap cm, String value) {
    return new ConfigMapBuilder(cm).addToData("k", value).build();
  }
}
