package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The same {@code fieldValidation} requests sent to kube-apiserver 1.34 and to KubeSim: status
 * codes, Warning headers and messages must be equal. A patch's 422 shows the patched object's JSON,
 * which differs by what KubeSim does not fill in (managedFields, defaults): there only the part
 * after the value is compared.
 */
@RealApiserverTest
class FieldValidationOnRealServerTest {
  private static final String PATH = "/apis/apps/v1/namespaces/%s/deployments";

  /** Method, path suffix, content type, body. */
  private static final List<String[]> REQUESTS =
      List.of(
          new String[] {
            "POST",
            "?fieldValidation=Strict",
            "application/json",
            FieldValidationTest.deployment("s")
          },
          new String[] {"POST", "", "application/json", FieldValidationTest.deployment("w")},
          new String[] {
            "POST",
            "?fieldValidation=Ignore",
            "application/json",
            FieldValidationTest.deployment("i")
          },
          new String[] {
            "POST",
            "?fieldValidation=Strict",
            "application/json",
            FieldValidationTest.deployment("d")
                .replace("\"name\":\"d\"", "\"name\":\"d\",\"name\":\"d2\"")
                .replace("\"replicas\":1", "\"replicas\":1,\"replicas\":2")
          },
          new String[] {
            "POST",
            "?fieldValidation=bogus",
            "application/json",
            FieldValidationTest.deployment("b")
          },
          new String[] {
            "PUT",
            "/w?fieldValidation=Strict",
            "application/json",
            FieldValidationTest.deployment("w")
          },
          new String[] {
            "PATCH",
            "/w?fieldValidation=Strict",
            "application/strategic-merge-patch+json",
            "{\"spec\":{\"foo\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"x\":[1,\"y\"]}]}}}}"
          },
          new String[] {
            "PATCH",
            "/w?fieldValidation=Strict",
            "application/merge-patch+json",
            "{\"spec\":{\"foo\":1}}"
          },
          new String[] {
            "PATCH",
            "/w",
            "application/json-patch+json",
            "[{\"op\":\"add\",\"path\":\"/spec/foo\",\"value\":1},"
                + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":5,\"bogus\":1}]"
          });

  @Test
  void kubeSimAnswersFieldValidationAsKubeApiserver134() throws Exception {
    RealApiserverExtension.requireAvailable("v1.34");
    RealApiserver server = RealApiserver.shared("v1.34");
    String ns = "fv-" + System.nanoTime();
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
    assertThat(real).hasSize(REQUESTS.size());
    // Pinned, so that the comparison is not vacuous.
    assertThat(real.get(0)).startsWith("400 [] Deployment in version \"v1\" cannot be handled");
    assertThat(sim).isEqualTo(real);
  }

  /**
   * A custom resource with a structural schema: what pruning drops is what Strict refuses and Warn
   * warns of (apiextensions-apiserver), sorted.
   */
  @Test
  void kubeSimPrunesACustomResourceAsKubeApiserver134() throws Exception {
    RealApiserverExtension.requireAvailable("v1.34");
    RealApiserver server = RealApiserver.shared("v1.34");
    OkHttpClient http = server.apiClient(Identity.ADMIN).getHttpClient();
    String auth = "Bearer " + server.token(Identity.ADMIN);
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
        server.url(),
        auth,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "application/json",
        crd);
    awaitEstablished(http, server.url(), auth);
    String ns = "fvcr-" + System.nanoTime();
    List<String> real = runWidgets(http, server.url(), auth, ns);
    List<String> sim;
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (KubeSim kubeSim =
        KubeSim.builder()
            .serverVersion("1.34")
            .register(widgets, FieldValidationTest.WIDGET_SCHEMA)
            .build()) {
      sim = runWidgets(Wire.HTTP, kubeSim.url(), null, ns);
    }
    assertThat(real.get(0)).startsWith("400 [] Widget in version \"v1\" cannot be handled");
    assertThat(sim).isEqualTo(real);
  }

  private static List<String> runWidgets(OkHttpClient http, String base, String auth, String ns)
      throws IOException {
    send(
        http,
        base,
        auth,
        "POST",
        "/api/v1/namespaces",
        "application/json",
        "{\"metadata\":{\"name\":\"" + ns + "\"}}");
    String path = "/apis/example.com/v1/namespaces/" + ns + "/widgets";
    String w = FieldValidationTest.WIDGET;
    return List.of(
        send(
            http,
            base,
            auth,
            "POST",
            path + "?fieldValidation=Strict",
            "application/json",
            w.replace("NAME", "w1")),
        send(http, base, auth, "POST", path, "application/json", w.replace("NAME", "w2")),
        send(
            http,
            base,
            auth,
            "POST",
            path + "?fieldValidation=Strict",
            "application/json",
            "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                + "\"w3\",\"name\":\"w3\"},\"spec\":{\"size\":1}}"),
        send(
            http,
            base,
            auth,
            "PATCH",
            path + "/w2?fieldValidation=Strict",
            "application/merge-patch+json",
            "{\"spec\":{\"foo\":1}}"),
        send(
            http,
            base,
            auth,
            "PATCH",
            path + "/w2",
            "application/merge-patch+json",
            "{\"spec\":{\"foo\":1,\"size\":3}}"),
        send(
            http,
            base,
            auth,
            "PUT",
            path + "/w2?fieldValidation=Strict",
            "application/json",
            "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                + "\"w2\"},\"spec\":{\"size\":1,\"foo\":2}}"));
  }

  /** Follows the CRD with a watch until its Established condition is True. */
  static void awaitEstablished(OkHttpClient http, String base, String auth) throws IOException {
    Request r =
        new Request.Builder()
            .url(
                base
                    + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=true"
                    + "&timeoutSeconds=60&fieldSelector=metadata.name%3Dwidgets.example.com")
            .header("Authorization", auth)
            .build();
    OkHttpClient patient = http.newBuilder().readTimeout(java.time.Duration.ofSeconds(70)).build();
    try (Response w = patient.newCall(r).execute()) {
      String line;
      while ((line = w.body().source().readUtf8Line()) != null) {
        if (line.contains("\"type\":\"Established\",\"status\":\"True\"")) {
          return;
        }
      }
    }
    throw new AssertionError("widgets.example.com never became Established");
  }

  private static List<String> run(OkHttpClient http, String base, String auth, String ns)
      throws IOException {
    send(
        http,
        base,
        auth,
        "POST",
        "/api/v1/namespaces",
        "application/json",
        "{\"metadata\":{\"name\":\"" + ns + "\"}}");
    List<String> out = new ArrayList<>();
    for (String[] r : REQUESTS) {
      out.add(send(http, base, auth, r[0], String.format(PATH, ns) + r[1], r[2], r[3]));
    }
    return out;
  }

  /** The code, Warning headers and Status message (a patch's value elided) of one request. */
  private static String send(
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
      String text = r.body() == null ? "" : r.body().string();
      JsonObject o = JsonParser.parseString(text).getAsJsonObject();
      String message = "";
      if ("Status".equals(StoredObject.string(o, "kind"))) {
        message = StoredObject.string(o, "message");
        int value = message.indexOf("Invalid value: \"{");
        int error = message.indexOf("\": strict decoding error");
        if (value >= 0 && error > value) {
          message = message.substring(0, value) + "<object>" + message.substring(error + 1);
        }
      }
      return r.code() + " " + r.headers("Warning") + " " + message;
    }
  }
}
