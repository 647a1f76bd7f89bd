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
 * Write rules whose answers differ by release, sent to kube-apiserver 1.30.14 and 1.34.2 and to a
 * KubeSim of the same version: scale writes whose replicas are no int32 and strategic merge patches
 * that replace the whole Scale; a gated pod's nodeSelector and node affinity, which may only be
 * narrowed; a workload's immutable selector (printed with Go's {@code %#v} up to 1.33, as JSON from
 * 1.34); custom resource bodies without apiVersion or kind; and a field only later releases define
 * (pod-level {@code resources}, 1.32), on 1.30 and 1.36; a Job's generated selector and its
 * validation. Codes, reasons, causes (reason and field), Warning headers and Status messages must
 * be equal; a patch's 422 shows the patched Scale's JSON, which differs by what KubeSim does not
 * fill in (managedFields), so only the part after that value is compared, and ValidatePodUpdate's
 * diff of the Go specs is left out.
 */
@RealApiserverTest
class VersionedWriteRulesOnRealServerTest {
  private static final String M = "application/merge-patch+json";
  private static final String S = "application/strategic-merge-patch+json";
  private static final String J = "application/json-patch+json";
  private static final String JSON = "application/json";
  private static final String SCALE = "/apis/apps/v1/namespaces/%s/deployments/d/scale";
  private static final String POD = "/api/v1/namespaces/%s/pods/g";
  private static final String WIDGETS = "/apis/example.com/v1/namespaces/%s/widgets";
  private static final String JOBS = "/apis/batch/v1/namespaces/%s/jobs";

  private static final String TERM_K =
      "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"v\"]}]}";

  private static String nodeAffinity(String terms) {
    return "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuring"
        + "Execution\":{\"nodeSelectorTerms\":["
        + terms
        + "]}}}}}";
  }

  /** Method, path (%s: the namespace), content type, body, the answer's field to compare. */
  private static final List<String[]> REQUESTS =
      List.of(
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/serviceaccounts",
            JSON,
            "{\"metadata\":{\"name\":\"default\"}}",
            ""
          },
          new String[] {
            "POST",
            "/apis/apps/v1/namespaces/%s/deployments",
            JSON,
            "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":"
                + "{\"app\":\"w\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}",
            ""
          },
          new String[] {"PATCH", SCALE, M, "{\"spec\":{\"replicas\":1.5}}", ""},
          new String[] {"PATCH", SCALE, S, "{\"spec\":{\"replicas\":1.5}}", ""},
          new String[] {
            "PATCH",
            SCALE,
            J,
            "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1.5}]",
            ""
          },
          new String[] {"PATCH", SCALE, M, "{\"spec\":{\"replicas\":\"2\"}}", ""},
          new String[] {"PATCH", SCALE, S, "{\"spec\":{\"replicas\":\"2\"}}", ""},
          new String[] {
            "PATCH", SCALE, S, "{\"$patch\":\"replace\",\"spec\":{\"replicas\":4}}", ""
          },
          new String[] {"PATCH", SCALE, S, "{\"$patch\":\"delete\"}", ""},
          new String[] {"PATCH", SCALE, M, "{\"spec\":{\"replicas\":2.0}}", ""},
          new String[] {"PATCH", SCALE, S, "{\"spec\":{\"replicas\":3.0}}", "spec.replicas"},
          new String[] {
            "PUT",
            SCALE,
            JSON,
            "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"d\"},"
                + "\"spec\":{\"replicas\":1.5}}",
            ""
          },
          new String[] {
            "PUT",
            SCALE,
            JSON,
            "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"spec\":{\"replicas\":2}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d",
            M,
            "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\",\"b\":\"c\"}},\"template\":"
                + "{\"metadata\":{\"labels\":{\"app\":\"x\",\"b\":\"c\"}}}}}",
            ""
          },
          new String[] {
            "PUT",
            "/apis/apps/v1/namespaces/%s/deployments/d",
            JSON,
            "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"w\"}},\"template\":{\"metadata\":"
                + "{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":[{\"name\":\"a\","
                + "\"image\":\"a:1\"}]}}}}",
            ""
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"schedulingGates\":[{\"name\":\"g1\"}],"
                + "\"nodeSelector\":{\"a\":\"b\"},\"affinity\":{\"nodeAffinity\":{\"required"
                + "DuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":["
                + TERM_K
                + "]}}},\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}",
            "spec.nodeSelector"
          },
          new String[] {
            "PATCH", POD, M, "{\"spec\":{\"nodeSelector\":{\"c\":\"d\"}}}", "spec.nodeSelector"
          },
          new String[] {"PATCH", POD, M, "{\"spec\":{\"nodeSelector\":{\"a\":\"x\"}}}", ""},
          new String[] {"PATCH", POD, M, "{\"spec\":{\"nodeSelector\":{\"a\":null}}}", ""},
          new String[] {
            "PATCH",
            POD,
            S,
            nodeAffinity(
                "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"v\"]},"
                    + "{\"key\":\"k2\",\"operator\":\"Exists\"}]}"),
            "spec.affinity"
          },
          new String[] {
            "PATCH",
            POD,
            M,
            nodeAffinity(
                TERM_K
                    + ",{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\","
                    + "\"values\":[\"n\"]}]}"),
            ""
          },
          new String[] {
            "PATCH",
            POD,
            M,
            nodeAffinity(
                "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"w\"]}]}"),
            ""
          },
          new String[] {
            "PATCH",
            POD,
            M,
            "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuring"
                + "Execution\":[{\"weight\":1,\"preference\":{\"matchExpressions\":[{\"key\":\"p\","
                + "\"operator\":\"Exists\"}]}}]}}}}",
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"
          },
          new String[] {
            "PATCH",
            POD,
            M,
            "{\"spec\":{\"affinity\":{\"podAntiAffinity\":{\"requiredDuringSchedulingIgnored"
                + "DuringExecution\":[{\"topologyKey\":\"t\",\"labelSelector\":{\"matchLabels\":"
                + "{\"a\":\"b\"}}}]}}}}",
            ""
          },
          new String[] {"PATCH", POD, M, "{\"spec\":{\"affinity\":null}}", ""},
          new String[] {
            "PATCH", POD, M, "{\"spec\":{\"schedulingGates\":null}}", "spec.schedulingGates"
          },
          new String[] {"PATCH", POD, M, "{\"spec\":{\"nodeSelector\":{\"e\":\"f\"}}}", ""},
          new String[] {
            "POST", WIDGETS, JSON, "{\"metadata\":{\"name\":\"w1\"},\"spec\":{\"size\":1}}", ""
          },
          new String[] {
            "POST", WIDGETS, JSON, "{\"kind\":\"Widget\",\"metadata\":{\"name\":\"w2\"}}", ""
          },
          new String[] {
            "POST",
            WIDGETS,
            JSON,
            "{\"apiVersion\":\"example.com/v1\",\"metadata\":{\"name\":\"w3\"}}",
            ""
          },
          new String[] {
            "POST",
            WIDGETS,
            JSON,
            "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"w6\"},"
                + "\"spec\":{\"size\":1}}",
            ""
          },
          new String[] {
            "POST",
            WIDGETS,
            JSON,
            "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w4\"},"
                + "\"spec\":{\"size\":1}}",
            "spec.size"
          },
          new String[] {
            "PUT",
            WIDGETS + "/w4",
            JSON,
            "{\"metadata\":{\"name\":\"w4\"},\"spec\":{\"size\":2}}",
            ""
          },
          new String[] {"POST", JOBS, JSON, job("j", ""), ""},
          new String[] {
            "PATCH", JOBS + "/j", M, "{\"spec\":{\"selector\":{\"matchLabels\":{\"x\":\"y\"}}}}", ""
          },
          new String[] {
            "POST",
            JOBS,
            JSON,
            job("j2", "\"selector\":{\"matchLabels\":{\"x\":\"y\"}},")
                .replace("LABELS", "{\"x\":\"y\"}"),
            ""
          },
          new String[] {
            "POST",
            JOBS,
            JSON,
            job("j3", "\"manualSelector\":true,\"selector\":{\"matchLabels\":{\"x\":\"y\"}},")
                .replace("LABELS", "{\"x\":\"z\"}"),
            ""
          });

  /** A Job {@code name} with {@code spec} fields before its template; LABELS: template labels. */
  private static String job(String name, String spec) {
    return "{\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{"
        + spec
        + "\"template\":{\"metadata\":{\"labels\":LABELS},\"spec\":{\"restartPolicy\":"
        + "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1.30", "v1.34"})
  void kubeSimAnswersVersionedWriteRulesAsKubeApiserver(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    OkHttpClient http = server.apiClient(Identity.ADMIN).getHttpClient();
    String auth = "Bearer " + server.token(Identity.ADMIN);
    createWidgets(http, server.url(), auth);
    String ns = "vw-" + System.nanoTime();
    List<String> real = run(REQUESTS, http, server.url(), auth, ns);
    List<String> sim;
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (KubeSim kubeSim =
        KubeSim.builder()
            .serverVersion(pin.substring(1))
            .register(widgets, FieldValidationTest.WIDGET_SCHEMA)
            .build()) {
      sim = run(REQUESTS, Wire.HTTP, kubeSim.url(), null, ns);
    }
    // Pinned, so that the comparison is not vacuous.
    assertThat(real.get(2)).startsWith("422 Invalid [FieldValueInvalid patch]");
    assertThat(real.get(17)).startsWith("422 Invalid [FieldValueInvalid spec.nodeSelector]");
    assertThat(sim).isEqualTo(real);
  }

  /**
   * A pod with a field only 1.32 and later define: Strict, then Warn. The field's limits are
   * compared, not its requests, which defaulting fills in from them (KubeSim does not default).
   */
  private static final List<String[]> NEWER_FIELD =
      List.of(
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/serviceaccounts",
            JSON,
            "{\"metadata\":{\"name\":\"default\"}}",
            ""
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods?fieldValidation=Strict",
            JSON,
            ReleaseSchemaTest.POD.replace("NAME", "s"),
            "spec.resources.limits"
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            ReleaseSchemaTest.POD.replace("NAME", "w"),
            "spec.resources.limits"
          });

  @ParameterizedTest
  @ValueSource(strings = {"v1.30", "v1.36"})
  void kubeSimDecodesIntoItsReleasesTypesAsKubeApiserver(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    String ns = "rs-" + System.nanoTime();
    List<String> real =
        run(
            NEWER_FIELD,
            server.apiClient(Identity.ADMIN).getHttpClient(),
            server.url(),
            "Bearer " + server.token(Identity.ADMIN),
            ns);
    List<String> sim;
    try (KubeSim kubeSim = KubeSim.builder().serverVersion(pin.substring(1)).build()) {
      sim = run(NEWER_FIELD, Wire.HTTP, kubeSim.url(), null, ns);
    }
    assertThat(real.get(1)).startsWith(pin.equals("v1.30") ? "400" : "201");
    assertThat(sim).isEqualTo(real);
  }

  private static void createWidgets(OkHttpClient http, String base, String auth)
      throws IOException {
    String crd =
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
            + "\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
            + "\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":\"Widget\","
            + "\"listKind\":\"WidgetList\"},\"scope\":\"Namespaced\",\"versions\":[{\"name\":\"v1\","
            + "\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":"
            + FieldValidationTest.WIDGET_SCHEMA
            + "}}]}}";
    send(
        http,
        base,
        auth,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        JSON,
        crd,
        "");
    FieldValidationOnRealServerTest.awaitEstablished(http, base, auth);
  }

  private static List<String> run(
      List<String[]> requests, OkHttpClient http, String base, String auth, String ns)
      throws IOException {
    send(
        http,
        base,
        auth,
        "POST",
        "/api/v1/namespaces",
        JSON,
        "{\"metadata\":{\"name\":\"" + ns + "\"}}",
        "");
    List<String> out = new ArrayList<>();
    for (String[] r : requests) {
      String body = r[3].replace("LABELS", "null");
      out.add(send(http, base, auth, r[0], String.format(r[1], ns), r[2], body, r[4]));
    }
    return out;
  }

  private static String send(
      OkHttpClient http,
      String base,
      String auth,
      String method,
      String path,
      String contentType,
      String body,
      String field)
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
      String warnings = String.valueOf(r.headers("Warning"));
      if (!"Status".equals(StoredObject.string(o, "kind"))) {
        return r.code() + " " + warnings + " " + field + "=" + at(o, field);
      }
      List<String> causes = new ArrayList<>();
      JsonObject details = o.has("details") ? o.getAsJsonObject("details") : new JsonObject();
      if (details.has("causes")) {
        for (JsonElement c : details.getAsJsonArray("causes")) {
          causes.add(
              StoredObject.string(c.getAsJsonObject(), "reason")
                  + " "
                  + StoredObject.string(c.getAsJsonObject(), "field"));
        }
      }
      String message = StoredObject.string(o, "message");
      int value = message.indexOf("Invalid value: \"{");
      int error = message.indexOf("}\": ", value);
      if (value >= 0 && error > value) {
        message = message.substring(0, value) + "<object>" + message.substring(error + 2);
      }
      // A Job's generated selector holds its uid.
      message =
          message.replaceAll(
              "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uid>");
      int diff = message.indexOf('\n');
      if (diff >= 0) {
        message = message.substring(0, diff); // ValidatePodUpdate's diff of the Go specs
      }
      return r.code()
          + " "
          + StoredObject.string(o, "reason")
          + " "
          + causes
          + " "
          + warnings
          + " "
          + message;
    }
  }

  private static String at(JsonObject o, String path) {
    if (path.isEmpty()) {
      return "";
    }
    JsonElement e = o;
    for (String step : path.split("\\.")) {
      e = e != null && e.isJsonObject() ? e.getAsJsonObject().get(step) : null;
    }
    return String.valueOf(e);
  }
}
