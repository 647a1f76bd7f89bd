package dev.safeclient.core.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A GET in Protobuf, then a PUT, through {@code SafeClient} and client-java's typed {@link
 * AppsV1Api}, of a Deployment whose pod template holds the newest fields the server keeps: read
 * back from the server in JSON, every field is still there. The same GET-modify-PUT through plain
 * client-java over JSON is the comparison.
 *
 * <p>On 1.36 client-java 27's models know every field of every type they model (checked against the
 * Go types of k8s.io/api v0.36.3: none missing), so plain client-java keeps them too; this test
 * then shows that the Protobuf round trip is lossless on a real server, field for field.
 */
@RealApiserverTest
class ProtobufUpdateOnRealServerTest {
  private static final String NAMESPACE = "protobuf-update";

  /**
   * The Deployment created in JSON. Its pod template carries fields added in 1.28 to 1.33 and on by
   * default in 1.36 (container resize policy, user namespaces, scheduling gates, sidecar restart
   * policy), beside the ordinary ones.
   */
  private static final String DEPLOYMENT =
      """
      {"apiVersion":"apps/v1","kind":"Deployment",
       "metadata":{"name":"NAME","labels":{"app":"NAME"}},
       "spec":{"replicas":0,
        "selector":{"matchLabels":{"app":"NAME"}},
        "template":{
         "metadata":{"labels":{"app":"NAME"}},
         "spec":{
          "hostUsers":false,
          PODRESOURCES"schedulingGates":[{"name":"example.com/gate"}],
          "initContainers":[{"name":"sidecar","image":"registry.k8s.io/pause:3.10",
                             "restartPolicy":"Always"}],
          "containers":[{"name":"main","image":"registry.k8s.io/pause:3.10",
                         "resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}],
                         "resources":{"requests":{"cpu":"100m"}}}]}}}}
      """;

  /** The template fields this test is about, as paths into the Deployment's JSON. */
  private static final List<String> FIELDS =
      List.of(
          "spec.template.spec.hostUsers",
          "spec.template.spec.schedulingGates",
          "spec.template.spec.initContainers",
          "spec.template.spec.containers");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.36"})
  void protobufGetThenPutKeepsEveryField(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    createNamespace(server);
    String name = "keep-" + pin.replace('.', '-');
    JsonObject created = createDeployment(server, name, "");
    for (String field : FIELDS) {
      assertThat(at(created, field))
          .as("the server kept %s on create (a feature gate off?)", field)
          .isNotNull();
    }

    // Through SafeClient: the GET is answered in Protobuf, the PUT is sent in JSON.
    List<Exchange> wire = new CopyOnWriteArrayList<>();
    ApiClient base = server.apiClient(Identity.ADMIN);
    base.setHttpClient(record(base.getHttpClient(), wire));
    SafeClient safe = SafeClient.wrap(base);
    AppsV1Api safeApps = new AppsV1Api(safe.apiClient());
    V1Deployment d = safeApps.readNamespacedDeployment(name, NAMESPACE).execute();
    d.getMetadata().putLabelsItem("updated-by", "safe");
    safeApps.replaceNamespacedDeployment(name, NAMESPACE, d).execute();

    Exchange get = only(wire, "GET", "/deployments/" + name);
    assertThat(get.responseType()).startsWith(ProtobufCodec.MEDIA_TYPE);
    Exchange put = only(wire, "PUT", "/deployments/" + name);
    JsonObject putBody = JsonParser.parseString(put.requestBody()).getAsJsonObject();
    JsonObject afterSafe = readJson(server, name);
    assertThat(at(afterSafe, "metadata.labels.updated-by").getAsString()).isEqualTo("safe");
    for (String field : FIELDS) {
      // client-java writes the empty lists and maps its models start with: a superset.
      assertThat(missingFrom(at(created, field), at(putBody, field), field))
          .as("PUT body")
          .isNull();
      assertThat(at(afterSafe, field))
          .as("after the safe PUT: %s", field)
          .isEqualTo(at(created, field));
    }

    // Plain client-java 27 over JSON, the same GET-modify-PUT.
    AppsV1Api plainApps = new AppsV1Api(server.apiClient(Identity.ADMIN));
    V1Deployment p = plainApps.readNamespacedDeployment(name, NAMESPACE).execute();
    p.getMetadata().putLabelsItem("updated-by", "plain");
    plainApps.replaceNamespacedDeployment(name, NAMESPACE, p).execute();
    JsonObject afterPlain = readJson(server, name);
    assertThat(at(afterPlain, "metadata.labels.updated-by").getAsString()).isEqualTo("plain");
    List<String> plainKept = new ArrayList<>();
    for (String field : FIELDS) {
      if (at(created, field).equals(at(afterPlain, field))) {
        plainKept.add(field);
      }
    }
    System.out.println("[protobuf-update] " + pin + ": plain client-java 27 kept " + plainKept);
    // client-java 27 models every field a 1.36 server has: plain keeps them all too.
    assertThat(plainKept).containsExactlyElementsOf(FIELDS);
  }

  /**
   * A 1.37 server (k8s.io/kubernetes v1.37.2) with {@code EmptyDirVolumeMode} on: the pod
   * template's {@code emptyDir.mode} is a field client-java 27's models lack. SafeClient reads the
   * Deployment in Protobuf, keeps the field beside the model and writes it back on the PUT; plain
   * client-java 27 over JSON cannot even read the Deployment (its strict models reject the field).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.37"})
  void aFieldClientJava27LacksSurvivesTheSafeUpdate(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server =
        RealApiserver.shared(
            pin, RealApiserver.Options.defaults().withFeatureGates("EmptyDirVolumeMode=true"));
    createNamespace(server);
    String name = "newer-" + pin.replace('.', '-');
    JsonObject created =
        createDeployment(
            server, name, "\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{\"mode\":493}}],");
    String mode = "spec.template.spec.volumes";
    assertThat(at(created, mode).toString())
        .as("the server kept emptyDir.mode on create")
        .contains("\"mode\":493");

    List<Exchange> wire = new CopyOnWriteArrayList<>();
    ApiClient base = server.apiClient(Identity.ADMIN);
    base.setHttpClient(record(base.getHttpClient(), wire));
    AppsV1Api safeApps = new AppsV1Api(SafeClient.wrap(base).apiClient());
    V1Deployment d = safeApps.readNamespacedDeployment(name, NAMESPACE).execute();
    d.getMetadata().putLabelsItem("updated-by", "safe");
    safeApps.replaceNamespacedDeployment(name, NAMESPACE, d).execute();

    assertThat(only(wire, "GET", "/deployments/" + name).responseType())
        .startsWith(ProtobufCodec.MEDIA_TYPE);
    JsonObject putBody =
        JsonParser.parseString(only(wire, "PUT", "/deployments/" + name).requestBody())
            .getAsJsonObject();
    assertThat(missingFrom(at(created, mode), at(putBody, mode), mode)).as("PUT body").isNull();
    JsonObject afterSafe = readJson(server, name);
    assertThat(at(afterSafe, "metadata.labels.updated-by").getAsString()).isEqualTo("safe");
    for (String field : FIELDS) {
      assertThat(at(afterSafe, field))
          .as("after the safe PUT: %s", field)
          .isEqualTo(at(created, field));
    }
    assertThat(at(afterSafe, mode)).as("after the safe PUT").isEqualTo(at(created, mode));

    // Plain client-java 27 over JSON: its model of emptyDir has no mode.
    AppsV1Api plainApps = new AppsV1Api(server.apiClient(Identity.ADMIN));
    Throwable plain =
        assertThrows(
            Throwable.class, () -> plainApps.readNamespacedDeployment(name, NAMESPACE).execute());
    System.out.println("[protobuf-update] " + pin + ": plain client-java 27's GET: " + plain);
    assertThat(plain).hasMessageContaining("mode");
  }

  /**
   * Pod-level resources (beta, on by default since 1.34) cannot be updated through client-java 27
   * at all: its models start every list empty, so an object read without {@code resources.claims}
   * is written back with {@code "claims": []}, which the server refuses at pod level ("claims may
   * not be set for Resources at pod-level"). Plain client-java fails so over JSON; SafeClient over
   * Protobuf fails the same way, no worse and no better.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.36"})
  void podLevelResourcesFailOnUpdateAlikeThroughPlainAndSafe(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    createNamespace(server);
    String name = "pod-resources-" + pin.replace('.', '-');
    createDeployment(
        server, name, "\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"256Mi\"}},");

    AppsV1Api plainApps = new AppsV1Api(server.apiClient(Identity.ADMIN));
    V1Deployment p = plainApps.readNamespacedDeployment(name, NAMESPACE).execute();
    assertThat(p.getSpec().getTemplate().getSpec().getResources().getClaims()).isEmpty();
    ApiException plain =
        assertThrows(
            ApiException.class,
            () -> plainApps.replaceNamespacedDeployment(name, NAMESPACE, p).execute(),
            "plain client-java 27's PUT");

    AppsV1Api safeApps =
        new AppsV1Api(SafeClient.wrap(server.apiClient(Identity.ADMIN)).apiClient());
    V1Deployment d = safeApps.readNamespacedDeployment(name, NAMESPACE).execute();
    ApiException safe =
        assertThrows(
            ApiException.class,
            () -> safeApps.replaceNamespacedDeployment(name, NAMESPACE, d).execute(),
            "SafeClient's PUT");

    assertThat(plain.getCode()).isEqualTo(422);
    assertThat(plain.getResponseBody()).contains("claims may not be set");
    assertThat(safe.getCode()).isEqualTo(plain.getCode());
    assertThat(safe.getResponseBody()).contains("claims may not be set");
  }

  /** One request and its answer, as sent and received on the wire. */
  record Exchange(String method, String path, String requestBody, String responseType) {}

  private static OkHttpClient record(OkHttpClient http, List<Exchange> wire) {
    Interceptor recorder =
        chain -> {
          Request request = chain.request();
          String body = null;
          RequestBody rb = request.body();
          if (rb != null) {
            Buffer buffer = new Buffer();
            rb.writeTo(buffer);
            body = buffer.readUtf8();
          }
          Response response = chain.proceed(request);
          MediaType type = response.body() == null ? null : response.body().contentType();
          wire.add(
              new Exchange(
                  request.method(),
                  request.url().encodedPath(),
                  body,
                  type == null ? "" : type.toString()));
          return response;
        };
    return http.newBuilder().addNetworkInterceptor(recorder).build();
  }

  private static Exchange only(List<Exchange> wire, String method, String pathSuffix) {
    List<Exchange> matching =
        wire.stream()
            .filter(e -> e.method().equals(method) && e.path().endsWith(pathSuffix))
            .toList();
    assertThat(matching).as("%s ...%s on the wire", method, pathSuffix).hasSize(1);
    return matching.get(0);
  }

  /** The first value of {@code expected} that {@code actual} lacks or holds otherwise, or null. */
  private static String missingFrom(JsonElement expected, JsonElement actual, String at) {
    if (expected == null) {
      return null;
    }
    if (actual == null) {
      return at + " missing";
    }
    if (expected.isJsonObject() && actual.isJsonObject()) {
      for (var e : expected.getAsJsonObject().entrySet()) {
        String d =
            missingFrom(
                e.getValue(), actual.getAsJsonObject().get(e.getKey()), at + "." + e.getKey());
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (expected.isJsonArray() && actual.isJsonArray()) {
      if (expected.getAsJsonArray().size() != actual.getAsJsonArray().size()) {
        return at + ": " + expected + " vs " + actual;
      }
      for (int i = 0; i < expected.getAsJsonArray().size(); i++) {
        String d =
            missingFrom(
                expected.getAsJsonArray().get(i),
                actual.getAsJsonArray().get(i),
                at + "[" + i + "]");
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return expected.equals(actual) ? null : at + ": " + expected + " vs " + actual;
  }

  /** The value at a dotted path, or null. */
  private static JsonElement at(JsonObject o, String path) {
    JsonElement e = o;
    for (String key : path.split("\\.")) {
      if (e == null || !e.isJsonObject()) {
        return null;
      }
      e = e.getAsJsonObject().get(key);
    }
    return e;
  }

  private static void createNamespace(RealApiserver server) throws IOException {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
            + NAMESPACE
            + "\"}}";
    int code = send(server, "POST", "/api/v1/namespaces", body).code;
    assertThat(code).as("create namespace").isIn(201, 409);
  }

  private static JsonObject createDeployment(RealApiserver server, String name, String podResources)
      throws IOException {
    String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments";
    send(server, "DELETE", path + "/" + name, null);
    Answer a =
        send(
            server,
            "POST",
            path,
            DEPLOYMENT.replace("NAME", name).replace("PODRESOURCES", podResources));
    assertThat(a.code).as("create: %s", a.body).isEqualTo(201);
    return JsonParser.parseString(a.body).getAsJsonObject();
  }

  private static JsonObject readJson(RealApiserver server, String name) throws IOException {
    Answer a =
        send(server, "GET", "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + name, null);
    assertThat(a.code).isEqualTo(200);
    return JsonParser.parseString(a.body).getAsJsonObject();
  }

  private record Answer(int code, String body) {}

  private static Answer send(RealApiserver server, String method, String path, String json)
      throws IOException {
    OkHttpClient http = server.apiClient(Identity.ADMIN).getHttpClient();
    RequestBody body =
        json == null
            ? null
            : RequestBody.create(
                json.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json"));
    Request request =
        new Request.Builder()
            .url(server.url() + path)
            .header("Authorization", "Bearer " + server.token(Identity.ADMIN))
            .header("Accept", "application/json")
            .method(method, body)
            .build();
    try (Response response = http.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }
}
