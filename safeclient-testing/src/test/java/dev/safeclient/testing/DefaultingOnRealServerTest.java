package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Minimal objects of every kind rehearsals create, written to a real kube-apiserver and to KubeSim
 * at the same version: the objects answered must be equal, defaults and all. Compared without what
 * differs by nature: {@code uid}, {@code resourceVersion}, {@code creationTimestamp}, {@code
 * managedFields} (server-side apply is not simulated); and without what admission plugins and the
 * Service registry set, which KubeSim does not simulate (named in {@link #IGNORED}).
 */
@RealApiserverTest
class DefaultingOnRealServerTest {
  private static final String JSON = "application/json";
  private static final String MERGE = "application/merge-patch+json";

  /**
   * Set by the server, not by the scheme's defaulting: ServiceAccount admission ({@code
   * serviceAccountName}, {@code serviceAccount}), DefaultTolerationSeconds ({@code tolerations}),
   * Priority ({@code priority}, {@code preemptionPolicy}), the Service registry's IP allocation,
   * and StorageObjectInUseProtection's claim finalizer.
   */
  static final List<String> IGNORED =
      List.of(
          "Pod spec.serviceAccountName",
          "Pod spec.serviceAccount",
          "Pod spec.tolerations",
          "Pod spec.priority",
          "Pod spec.preemptionPolicy",
          "Service spec.clusterIP",
          "Service spec.clusterIPs",
          "Service spec.ipFamilies",
          "Service spec.ipFamilyPolicy",
          "PersistentVolumeClaim metadata.finalizers");

  /**
   * Differ by nature, or are another part of KubeSim's fidelity than defaulting ({@code
   * generation}: which kinds have one, and pods only from 1.33).
   */
  static final String[] NATURE = {
    "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"
  };

  /** Method, path (%s: the namespace), content type, body. */
  static final List<String[]> WRITES =
      List.of(
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"a\"}},\"spec\":{"
                + "\"automountServiceAccountToken\":false,\"containers\":[{\"name\":\"a\","
                + "\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"N\","
                + "\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}}],"
                + "\"readinessProbe\":{\"httpGet\":{\"port\":80}},\"livenessProbe\":{\"grpc\":"
                + "{\"port\":81}},\"resources\":{\"limits\":{\"cpu\":\"100m\"}},\"volumeMounts\":"
                + "[{\"name\":\"s\",\"mountPath\":\"/s\"}]}],\"initContainers\":[{\"name\":\"i\","
                + "\"image\":\"busybox:1.36\"}],\"volumes\":[{\"name\":\"s\",\"secret\":"
                + "{\"secretName\":\"x\"}},{\"name\":\"c\",\"configMap\":{\"name\":\"y\"}},"
                + "{\"name\":\"e\"},{\"name\":\"h\",\"hostPath\":{\"path\":\"/h\"}},{\"name\":\"d\","
                + "\"downwardAPI\":{\"items\":[{\"path\":\"n\",\"fieldRef\":{\"fieldPath\":"
                + "\"metadata.name\"}}]}}]}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"automountServiceAccountToken\":false,"
                + "\"containers\":[{\"name\":\"a\",\"image\":\"reg:5000/x/y:latest\",\"resources\":"
                + "{\"limits\":{\"cpu\":\"1\",\"memory\":\"64Mi\"}}}]}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/services",
            JSON,
            "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"selector\":{\"app\":\"a\"},"
                + "\"ports\":[{\"port\":80}]}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/services",
            JSON,
            "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"type\":\"ExternalName\","
                + "\"externalName\":\"example.com\",\"sessionAffinity\":\"ClientIP\"}}"
          },
          new String[] {
            "POST", "/api/v1/namespaces/%s/configmaps", JSON, "{\"metadata\":{\"name\":\"c\"}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/secrets",
            JSON,
            "{\"metadata\":{\"name\":\"s\"},\"data\":{\"a\":\"Yg==\"}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/persistentvolumeclaims",
            JSON,
            "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
                + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"
          },
          new String[] {
            "POST", "/api/v1/namespaces/%s/serviceaccounts", JSON, "{\"metadata\":{\"name\":\"a\"}}"
          },
          new String[] {"POST", "/apis/apps/v1/namespaces/%s/deployments", JSON, workload("d", "")},
          new String[] {
            "POST",
            "/apis/apps/v1/namespaces/%s/statefulsets",
            JSON,
            workload("s", "\"serviceName\":\"s\",")
          },
          new String[] {"POST", "/apis/apps/v1/namespaces/%s/daemonsets", JSON, workload("ds", "")},
          new String[] {"POST", "/apis/apps/v1/namespaces/%s/replicasets", JSON, workload("r", "")},
          new String[] {
            "POST",
            "/apis/batch/v1/namespaces/%s/jobs",
            JSON,
            "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"metadata\":{\"labels\":"
                + "{\"app\":\"j\"}},\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
                + "[{\"name\":\"a\",\"image\":\"busybox\"}]}}}}"
          },
          new String[] {
            "POST",
            "/apis/batch/v1/namespaces/%s/cronjobs",
            JSON,
            "{\"metadata\":{\"name\":\"cj\"},\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":"
                + "{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"OnFailure\","
                + "\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"}]}}}}}}"
          },
          new String[] {
            "POST",
            "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
            JSON,
            "{\"metadata\":{\"name\":\"l\"},\"spec\":{\"holderIdentity\":\"h\"}}"
          },
          new String[] {
            "POST",
            "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies",
            JSON,
            "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"podSelector\":{},\"egress\":[{\"ports\":"
                + "[{\"port\":53}]}]}}"
          },
          new String[] {
            "POST",
            "/apis/networking.k8s.io/v1/namespaces/%s/ingresses",
            JSON,
            "{\"metadata\":{\"name\":\"i\"},\"spec\":{\"defaultBackend\":{\"service\":"
                + "{\"name\":\"s\",\"port\":{\"number\":80}}}}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            "{\"metadata\":{\"name\":\"h\"},\"spec\":{\"automountServiceAccountToken\":false,"
                + "\"hostNetwork\":true,\"containers\":[{\"name\":\"a\",\"image\":\"x@sha256:"
                + "0000000000000000000000000000000000000000000000000000000000000000\",\"ports\":"
                + "[{\"containerPort\":9090,\"protocol\":\"UDP\"}],\"lifecycle\":{\"preStop\":"
                + "{\"httpGet\":{\"port\":1}}}}]}}"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/services",
            JSON,
            "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"sessionAffinity\":\"ClientIP\","
                + "\"ports\":[{\"name\":\"a\",\"port\":80,\"targetPort\":\"http\"},"
                + "{\"name\":\"b\",\"port\":81,\"protocol\":\"UDP\"}]}}"
          },
          new String[] {
            "POST",
            "/apis/batch/v1/namespaces/%s/jobs",
            JSON,
            "{\"metadata\":{\"name\":\"f\",\"labels\":{\"own\":\"x\"}},\"spec\":{"
                + "\"completions\":3,\"completionMode\":\"Indexed\",\"backoffLimitPerIndex\":1,"
                + "\"podFailurePolicy\":{\"rules\":[{\"action\":\"FailJob\",\"onPodConditions\":"
                + "[{\"type\":\"DisruptionTarget\"}]}]},\"template\":{\"spec\":{\"restartPolicy\":"
                + "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"}]}}}}"
          },
          new String[] {
            "POST",
            "/apis/apps/v1/namespaces/%s/statefulsets",
            JSON,
            workload(
                "v",
                "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":"
                    + "{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":"
                    + "{\"storage\":\"1Gi\"}}}}],\"updateStrategy\":{\"type\":\"OnDelete\"},")
          },
          new String[] {
            "POST",
            "/apis/apps/v1/namespaces/%s/deployments",
            JSON,
            workload("rc", "\"strategy\":{\"type\":\"Recreate\"},\"replicas\":0,")
          },
          // An update that sends the object without its defaults: defaulted again, so nothing
          // changes (same generation); then a patch that unsets a default, which comes back.
          new String[] {
            "PUT", "/apis/apps/v1/namespaces/%s/deployments/d", JSON, workload("d", "")
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d",
            MERGE,
            "{\"spec\":{\"revisionHistoryLimit\":null,\"template\":{\"spec\":"
                + "{\"dnsPolicy\":null,\"containers\":[{\"name\":\"a\",\"image\":\"busybox:1\"}]}}}}"
          },
          new String[] {"POST", "/api/v1/namespaces/%s/pods?dryRun=All", JSON, pod("dry")},
          new String[] {"POST", "/api/v1/namespaces", JSON, "{\"metadata\":{\"name\":\"%s-b\"}}"});

  static String workload(String name, String extra) {
    return "{\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{"
        + extra
        + "\"selector\":{\"matchLabels\":{\"app\":\""
        + name
        + "\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\""
        + name
        + "\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"}]}}}}";
  }

  static String pod(String name) {
    return "{\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"automountServiceAccountToken\":false,"
        + "\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"}]}}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1.30", "v1.34", "v1.36"})
  void kubeSimDefaultsAsKubeApiserver(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    String ns = "dflt-" + System.nanoTime();
    List<String> real =
        run(
            server.apiClient(Identity.ADMIN).getHttpClient(),
            server.url(),
            "Bearer " + server.token(Identity.ADMIN),
            ns);
    List<String> sim;
    try (KubeSim kubeSim = KubeSim.builder().serverVersion(pin.substring(1)).build()) {
      sim = run(Wire.HTTP, kubeSim.url(), null, ns);
    }
    assertThat(real).hasSize(WRITES.size());
    // Pinned, so that the comparison is not vacuous: the real server defaults.
    assertThat(real.get(0)).contains("\"dnsPolicy\":\"ClusterFirst\"");
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < WRITES.size(); i++) {
      if (!sim.get(i).equals(real.get(i))) {
        differences.add(
            WRITES.get(i)[0]
                + " "
                + WRITES.get(i)[1]
                + "\n real: "
                + real.get(i)
                + "\n sim:  "
                + sim.get(i));
      }
    }
    assertThat(differences).isEmpty();
  }

  static List<String> run(OkHttpClient http, String base, String auth, String ns)
      throws IOException {
    send(
        http,
        base,
        auth,
        "POST",
        "/api/v1/namespaces",
        JSON,
        "{\"metadata\":{\"name\":\"" + ns + "\"}}");
    send(
        http,
        base,
        auth,
        "POST",
        "/api/v1/namespaces/" + ns + "/serviceaccounts",
        JSON,
        "{\"metadata\":{\"name\":\"default\"}}");
    List<String> out = new ArrayList<>();
    for (String[] w : WRITES) {
      out.add(send(http, base, auth, w[0], String.format(w[1], ns), w[2], w[3].replace("%s", ns)));
    }
    return out;
  }

  static String send(
      OkHttpClient http,
      String base,
      String auth,
      String method,
      String path,
      String contentType,
      String body)
      throws IOException {
    Request.Builder b =
        new Request.Builder()
            .url(base + path)
            .method(method, RequestBody.create(body, MediaType.get(contentType)));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      JsonObject o = JsonParser.parseString(r.body().string()).getAsJsonObject();
      return r.code() + " " + comparable(o);
    }
  }

  /** The answer without what differs by nature or is not simulated, keys sorted. */
  static String comparable(JsonObject o) {
    String kind = StoredObject.string(o, "kind");
    if (o.get("metadata") instanceof JsonObject meta) {
      String uid = StoredObject.string(meta, "uid");
      for (String k : NATURE) {
        meta.remove(k);
      }
      if (!uid.isEmpty()) {
        o = JsonParser.parseString(o.toString().replace(uid, "UID")).getAsJsonObject();
      }
    }
    for (String ignored : IGNORED) {
      String[] kindAndPath = ignored.split(" ");
      if (!kindAndPath[0].equals(kind)) {
        continue;
      }
      String[] path = kindAndPath[1].split("\\.");
      JsonObject at = o;
      for (int i = 0; i < path.length - 1 && at != null; i++) {
        at = at.get(path[i]) instanceof JsonObject next ? next : null;
      }
      if (at != null) {
        at.remove(path[path.length - 1]);
      }
    }
    return sorted(o).toString();
  }

  static JsonElement sorted(JsonElement e) {
    if (e instanceof JsonObject o) {
      JsonObject s = new JsonObject();
      o.keySet().stream().sorted().forEach(k -> s.add(k, sorted(o.get(k))));
      return s;
    }
    if (e.isJsonArray()) {
      com.google.gson.JsonArray a = new com.google.gson.JsonArray();
      e.getAsJsonArray().forEach(x -> a.add(sorted(x)));
      return a;
    }
    return e;
  }
}
