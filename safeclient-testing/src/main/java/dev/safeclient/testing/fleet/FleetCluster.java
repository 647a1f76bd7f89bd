package dev.safeclient.testing.fleet;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster of {@code nodes} nodes with {@code podsPerNode} scheduled pods each, seeded straight
 * into a {@link KubeSim}'s storage, and a steady pod churn: the world a node agent rehearses in.
 *
 * <p>The churn is status updates (restart counts), the writes a kubelet makes. They go straight to
 * storage and reach the watch caches like any write, but no HTTP request is billed: the bill of a
 * rehearsal is what the agents cost, not what the kubelets cost.
 */
public final class FleetCluster {
  /** Pods spread over this many namespaces, so namespace-scoped reads are not whole-cluster. */
  static final int NAMESPACES = 100;

  private final KubeSim sim;
  private final ResourceType pods;
  private final int nodes;
  private final List<String> podKeys; // namespace/name, for the churn
  private final AtomicLong updates = new AtomicLong();

  private FleetCluster(KubeSim sim, int nodes, List<String> podKeys) {
    this.sim = sim;
    this.pods = sim.resource("v1", "pods");
    this.nodes = nodes;
    this.podKeys = podKeys;
  }

  /** Seeds {@code nodes × podsPerNode} pods, {@code podsPerNode} on each node. */
  public static FleetCluster seed(KubeSim sim, int nodes, int podsPerNode) {
    Objects.requireNonNull(sim, "sim");
    if (nodes < 1 || podsPerNode < 1) {
      throw new IllegalArgumentException("nodes and podsPerNode must be >= 1");
    }
    ResourceType podType = sim.resource("v1", "pods");
    List<String> keys = new ArrayList<>(nodes * podsPerNode);
    for (int p = 0; p < podsPerNode; p++) {
      for (int n = 0; n < nodes; n++) {
        int i = p * nodes + n;
        String ns = "team-" + (i % NAMESPACES);
        String name = "app-" + (i % 500) + "-" + Integer.toString(i, 36);
        sim.create(podType, pod(ns, name, nodeName(n), i));
        keys.add(ns + "/" + name);
      }
    }
    return new FleetCluster(sim, nodes, keys);
  }

  /** The name of node {@code i} (0-based). */
  public static String nodeName(int i) {
    return "node-" + i;
  }

  public int nodes() {
    return nodes;
  }

  public int pods() {
    return podKeys.size();
  }

  /** The average size of one stored pod, in JSON bytes. */
  public long averagePodBytes() {
    return sim.averageObjectBytes(pods);
  }

  /** Status updates applied so far by {@link #churn}. */
  public long updates() {
    return updates.get();
  }

  /**
   * Starts updating {@code fractionPerMinute} of the pods every minute of {@code clock} (the
   * KubeSim's and the agents' own, scaled for a rehearsal), spread evenly. Close the result to
   * stop.
   */
  public AutoCloseable churn(double fractionPerMinute, TimeSource clock) {
    if (!(fractionPerMinute >= 0)) {
      throw new IllegalArgumentException("fractionPerMinute must be >= 0: " + fractionPerMinute);
    }
    double perSecond = podKeys.size() * fractionPerMinute / 60.0;
    long start = clock.nanoTime();
    long[] done = {0};
    int[] next = {0};
    // Ticks of a quarter of a (clock) second: smooth enough that a watcher sees a steady trickle,
    // not bursts, and at a rehearsal's time scale still tens of milliseconds apart.
    return Ticks.every(
        clock,
        Duration.ofMillis(250),
        () -> {
          long due = (long) ((clock.nanoTime() - start) / 1e9 * perSecond);
          try {
            for (; done[0] < due; done[0]++) {
              update(podKeys.get(next[0]));
              next[0] = (next[0] + 1) % podKeys.size();
            }
          } catch (RuntimeException e) {
            // the churn must survive one failed write; the next tick goes on
          }
        });
  }

  private void update(String key) {
    int slash = key.indexOf('/');
    if (statusUpdate(key.substring(0, slash), key.substring(slash + 1))) {
      updates.incrementAndGet();
    } // else deleted by someone else
  }

  /**
   * A kubelet's status update, as the churn writes them: the container's restart count goes up by
   * one. Not counted in {@link #updates()}. Returns false when no such pod is stored.
   */
  public boolean statusUpdate(String namespace, String name) {
    return sim.update(
        pods,
        namespace,
        name,
        json -> {
          JsonObject next = JsonParser.parseString(json).getAsJsonObject();
          JsonObject cs =
              next.getAsJsonObject("status")
                  .getAsJsonArray("containerStatuses")
                  .get(0)
                  .getAsJsonObject();
          cs.addProperty("restartCount", cs.get("restartCount").getAsInt() + 1);
          return next.toString();
        });
  }

  /** A pod of about 1.5 kB of JSON: labels, an owner, one container with probes, and status. */
  static String pod(String ns, String name, String node, int i) {
    JsonObject labels = new JsonObject();
    labels.addProperty("app", "app-" + (i % 500));
    labels.addProperty("tier", i % 3 == 0 ? "frontend" : "backend");
    labels.addProperty("pod-template-hash", Integer.toString(i % 500 * 7919, 36));
    JsonObject owner = new JsonObject();
    owner.addProperty("apiVersion", "apps/v1");
    owner.addProperty("kind", "ReplicaSet");
    owner.addProperty("name", "app-" + (i % 500) + "-" + Integer.toString(i % 500 * 7919, 36));
    owner.addProperty("uid", "00000000-0000-4000-8000-" + String.format("%012d", i % 500));
    owner.addProperty("controller", true);
    JsonArray owners = new JsonArray();
    owners.add(owner);
    JsonObject meta = new JsonObject();
    meta.addProperty("name", name);
    meta.addProperty("namespace", ns);
    meta.add("labels", labels);
    meta.add("ownerReferences", owners);

    JsonObject requests = new JsonObject();
    requests.addProperty("cpu", "100m");
    requests.addProperty("memory", "128Mi");
    JsonObject resources = new JsonObject();
    resources.add("requests", requests);
    resources.add("limits", requests.deepCopy());
    JsonObject port = new JsonObject();
    port.addProperty("name", "http");
    port.addProperty("containerPort", 8080);
    port.addProperty("protocol", "TCP");
    JsonArray ports = new JsonArray();
    ports.add(port);
    JsonObject httpGet = new JsonObject();
    httpGet.addProperty("path", "/healthz");
    httpGet.addProperty("port", 8080);
    JsonObject probe = new JsonObject();
    probe.add("httpGet", httpGet);
    probe.addProperty("periodSeconds", 10);
    JsonObject env = new JsonObject();
    env.addProperty("name", "LOG_LEVEL");
    env.addProperty("value", "info");
    JsonArray envs = new JsonArray();
    envs.add(env);
    JsonObject container = new JsonObject();
    container.addProperty("name", "main");
    container.addProperty("image", "registry.example.com/team/app-" + (i % 500) + ":1.4.2");
    container.add("ports", ports);
    container.add("env", envs);
    container.add("resources", resources);
    container.add("readinessProbe", probe);
    container.add("livenessProbe", probe.deepCopy());
    JsonArray containers = new JsonArray();
    containers.add(container);
    JsonObject spec = new JsonObject();
    spec.addProperty("nodeName", node);
    spec.add("containers", containers);
    spec.addProperty("serviceAccountName", "app-" + (i % 500));
    spec.addProperty("restartPolicy", "Always");

    JsonObject running = new JsonObject();
    running.addProperty("startedAt", "2026-11-01T10:00:00Z");
    JsonObject state = new JsonObject();
    state.add("running", running);
    JsonObject status1 = new JsonObject();
    status1.addProperty("name", "main");
    status1.addProperty("ready", true);
    status1.addProperty("restartCount", 0);
    status1.addProperty("image", container.get("image").getAsString());
    // Every field client-java's models mark required: its JSON decoding throws without them.
    status1.addProperty(
        "imageID",
        "registry.example.com/team/app-"
            + (i % 500)
            + "@sha256:"
            + String.format("%064x", (long) (i % 500) * 40503L));
    status1.addProperty(
        "containerID", "containerd://" + String.format("%064x", (long) i * 2654435761L));
    status1.add("state", state);
    JsonArray statuses = new JsonArray();
    statuses.add(status1);
    JsonArray conditions = new JsonArray();
    for (String type : new String[] {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
      JsonObject c = new JsonObject();
      c.addProperty("type", type);
      c.addProperty("status", "True");
      c.addProperty("lastTransitionTime", "2026-11-01T10:00:00Z");
      conditions.add(c);
    }
    JsonObject status = new JsonObject();
    status.addProperty("phase", "Running");
    status.addProperty("hostIP", "10.1." + (i % 250) + "." + (i % 200));
    status.addProperty("podIP", "10.2." + (i % 250) + "." + (i % 200));
    status.add("conditions", conditions);
    status.add("containerStatuses", statuses);
    status.addProperty("qosClass", "Guaranteed");

    JsonObject o = new JsonObject();
    o.addProperty("apiVersion", "v1");
    o.addProperty("kind", "Pod");
    o.add("metadata", meta);
    o.add("spec", spec);
    o.add("status", status);
    return o.toString();
  }
}
