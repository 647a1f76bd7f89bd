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
import org.junit.jupiter.api.Test;

/**
 * The namespace lifecycle, the update rules of pods, stateful sets and jobs, and patches of the
 * scale and status subresources, sent to kube-apiserver 1.34 and to KubeSim: codes, reasons, causes
 * (reason and field) and Status messages must be equal. A message that prints a Go struct (Job's
 * template) is compared up to the value; the objects answered are compared on the field each
 * request changes.
 */
@RealApiserverTest
class WriteRulesOnRealServerTest {
  private static final String M = "application/merge-patch+json";
  private static final String S = "application/strategic-merge-patch+json";
  private static final String J = "application/json-patch+json";
  private static final String JSON = "application/json";

  /** Method, path (%s: the namespace), content type, body, the answer's field to compare. */
  private static final List<String[]> REQUESTS =
      List.of(
          new String[] {
            "POST",
            "/api/v1/namespaces/missing-%s/configmaps",
            JSON,
            "{\"metadata\":{\"name\":\"c\"}}",
            ""
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/serviceaccounts",
            JSON,
            "{\"metadata\":{\"name\":\"default\"}}",
            ""
          },
          new String[] {
            "POST",
            "/api/v1/namespaces/%s/pods",
            JSON,
            "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"automountServiceAccountToken\":false,"
                + "\"activeDeadlineSeconds\":100,\"schedulingGates\":[{\"name\":\"g1\"}],"
                + "\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}],\"tolerations\":[{\"key\":\"k\","
                + "\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"tolerations\":[{\"key\":\"k2\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"},{\"key\":\"k2\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"activeDeadlineSeconds\":200}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"activeDeadlineSeconds\":null}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"activeDeadlineSeconds\":50}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"schedulingGates\":[{\"name\":\"g1\"},{\"name\":\"g2\"}]}}",
            ""
          },
          new String[] {
            "PATCH", "/api/v1/namespaces/%s/pods/p", M, "{\"spec\":{\"schedulingGates\":null}}", ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"restartPolicy\":\"Never\"}}",
            ""
          },
          new String[] {
            "PATCH",
            "/api/v1/namespaces/%s/pods/p",
            M,
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:2\"}]}}",
            ""
          },
          new String[] {
            "POST",
            "/apis/apps/v1/namespaces/%s/statefulsets",
            JSON,
            "{\"metadata\":{\"name\":\"ss\"},\"spec\":{\"serviceName\":\"x\",\"selector\":"
                + "{\"matchLabels\":{\"app\":\"s\"}},\"template\":{\"metadata\":{\"labels\":"
                + "{\"app\":\"s\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/statefulsets/ss",
            M,
            "{\"spec\":{\"serviceName\":\"y\"}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/statefulsets/ss",
            M,
            "{\"spec\":{\"replicas\":3,\"minReadySeconds\":2}}",
            "spec.replicas"
          },
          new String[] {
            "POST",
            "/apis/batch/v1/namespaces/%s/jobs",
            JSON,
            "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
                + "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/batch/v1/namespaces/%s/jobs/j",
            M,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:2\"}]}}}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/batch/v1/namespaces/%s/jobs/j",
            M,
            "{\"spec\":{\"completionMode\":\"Indexed\"}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/batch/v1/namespaces/%s/jobs/j",
            M,
            "{\"spec\":{\"parallelism\":3,\"backoffLimit\":2}}",
            "spec.parallelism"
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
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/scale",
            M,
            "{\"spec\":{\"replicas\":7}}",
            "spec.replicas"
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/scale",
            S,
            "{\"spec\":{\"replicas\":8},\"status\":{\"replicas\":9}}",
            "spec.replicas"
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/scale",
            J,
            "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":9}]",
            "spec.replicas"
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/scale",
            J,
            "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1}]",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/scale",
            S,
            "{\"spec\":{\"replicas\":-1}}",
            ""
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/status",
            J,
            "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":6},{\"op\":\"add\",\"path\":\"/status/replicas\",\"value\":2}]",
            "spec.replicas"
          },
          new String[] {
            "PATCH",
            "/apis/apps/v1/namespaces/%s/deployments/d/status",
            S,
            "{\"status\":{\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}}",
            "status.replicas"
          });

  @Test
  void kubeSimAnswersWriteRulesAsKubeApiserver134() throws Exception {
    RealApiserverExtension.requireAvailable("v1.34");
    RealApiserver server = RealApiserver.shared("v1.34");
    String ns = "wr-" + System.nanoTime();
    List<String> real =
        run(
            server.apiClient(Identity.ADMIN).getHttpClient(),
            server.url(),
            "Bearer " + server.token(Identity.ADMIN),
            ns);
    List<String> sim;
    try (KubeSim kubeSim = KubeSim.builder().serverVersion("1.34").build()) {
      sim = run(Wire.HTTP, kubeSim.url(), null, ns);
    }
    // Pinned, so that the comparison is not vacuous.
    assertThat(real.get(0)).startsWith("404 NotFound [] namespaces \"missing-");
    assertThat(real.get(3)).startsWith("422 Invalid [FieldValueForbidden spec.tolerations]");
    assertThat(sim).isEqualTo(real);
  }

  private static List<String> run(OkHttpClient http, String base, String auth, String ns)
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
    for (String[] r : REQUESTS) {
      out.add(send(http, base, auth, r[0], String.format(r[1], ns), r[2], r[3], r[4]));
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
      if (!"Status".equals(StoredObject.string(o, "kind"))) {
        return r.code() + " " + field + "=" + at(o, field);
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
      int struct = message.indexOf("Invalid value: {");
      if (struct >= 0) {
        message = message.substring(0, struct) + "<struct>";
      }
      int diff = message.indexOf('\n');
      if (diff >= 0) {
        message = message.substring(0, diff); // ValidatePodUpdate's diff of the Go specs
      }
      return r.code() + " " + StoredObject.string(o, "reason") + " " + causes + " " + message;
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
