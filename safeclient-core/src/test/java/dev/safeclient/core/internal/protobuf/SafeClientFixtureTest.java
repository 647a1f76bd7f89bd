package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * Every {@code .pb} fixture (HEAD and releases v1.34 to v1.36), read through the safe client from a
 * server that answers by {@code Accept}, gives the same object as its {@code .json} read through
 * the safe client with Protobuf off. No kind is skipped: a kind without a client-java model is read
 * as a JSON tree. A fresh client per fixture, so that no group/version's JSON-only mark hides
 * another fixture's Protobuf.
 */
class SafeClientFixtureTest {
  private static final String PB = "application/vnd.kubernetes.protobuf";

  @StartStop final MockWebServer server = new MockWebServer();
  private volatile Path dir;

  private static List<Path> dirs() {
    return List.of(
        KubeApiTestdata.head(),
        KubeApiTestdata.release("v1.34.0"),
        KubeApiTestdata.release("v1.35.0"),
        KubeApiTestdata.release("v1.36.0"));
  }

  /** The fixture is named by the last path segment; Protobuf when Accept prefers it. */
  private void answerByAccept() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            String accept = r.getHeaders().get("Accept");
            try {
              if (accept != null && accept.startsWith(PB)) {
                return new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", PB)
                    .body(new Buffer().write(Files.readAllBytes(dir.resolve(name + ".pb"))))
                    .build();
              }
              return new MockResponse.Builder()
                  .code(200)
                  .addHeader("Content-Type", "application/json")
                  .body(Files.readString(jsonTwin(name), StandardCharsets.UTF_8))
                  .build();
            } catch (java.io.IOException e) {
              return new MockResponse.Builder().code(404).build();
            }
          }
        });
  }

  /**
   * The JSON of a fixture; a release's {@code X.after_roundtrip.pb} (what the development line
   * writes after reading it) has its own JSON when that differs, else the release's {@code X.json}.
   */
  private Path jsonTwin(String name) {
    Path own = dir.resolve(name + ".json");
    return Files.exists(own) ? own : dir.resolve(name.replace(AFTER_ROUNDTRIP, "") + ".json");
  }

  private static final String AFTER_ROUNDTRIP = ".after_roundtrip";

  private ApiClient client(boolean protobuf) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base)
        .mode(SafetyMode.ENFORCE)
        .protobuf(protobuf)
        .userAgent("fixture-test/1")
        // The mock answers no /version: a tree (a kind without a model) is asked in Protobuf only
        // once the server's version is known.
        .serverVersion("1.36")
        .build()
        .apiClient();
  }

  private static Object get(ApiClient client, String path, Type type) throws ApiException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    var call =
        client.buildCall(
            client.getBasePath(),
            path,
            "GET",
            new ArrayList<>(),
            new ArrayList<>(),
            null,
            headers,
            new HashMap<>(),
            new HashMap<>(),
            new String[0],
            null);
    return client.execute(call, type).getData();
  }

  @Test
  void everyFixtureReadsThroughTheSafeClientAsItsJsonDoes() throws Exception {
    answerByAccept();
    int fixtures = 0;
    int askedProtobuf = 0;
    int decodedFromProtobuf = 0;
    int withModel = 0;
    Map<String, List<String>> differing = new TreeMap<>();
    for (Path d : dirs()) {
      dir = d;
      List<Path> pbs;
      try (Stream<Path> s = Files.list(d)) {
        pbs = s.filter(p -> p.toString().endsWith(".pb")).sorted().toList();
      }
      for (Path pb : pbs) {
        String name = pb.getFileName().toString().replace(".pb", "");
        String typeName = name.replace(AFTER_ROUNDTRIP, "");
        String apiVersion = Fixtures.apiVersionOf(typeName);
        String group =
            apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String path =
            (group.isEmpty() ? "/api/" : "/apis/")
                + apiVersion
                + "/namespaces/fixtures/things/"
                + name;
        Class<?> model = Fixtures.modelClass(apiVersion, Fixtures.kindOf(typeName));
        Type type = model != null ? model : JsonElement.class;
        fixtures++;
        int before = server.getRequestCount();
        Object viaProtobuf = get(client(true), path, type);
        RecordedRequest first = server.takeRequest();
        int requests = server.getRequestCount() - before;
        for (int i = 1; i < requests; i++) {
          server.takeRequest();
        }
        boolean asked = PB.equals(first.getHeaders().get("Accept").split(",")[0].trim());
        if (BuiltInApis.isApiServersOwnGroup(null, group)) {
          assertThat(asked).as(d.getFileName() + "/" + name + " asked in Protobuf").isTrue();
        }
        if (asked) {
          askedProtobuf++;
          if (requests == 1) {
            decodedFromProtobuf++;
          }
        }
        Object viaJson = get(client(false), path, type);
        server.takeRequest();
        JsonElement a;
        JsonElement b;
        if (model != null) {
          withModel++;
          a = Fixtures.REFERENCE_GSON.toJsonTree(viaProtobuf);
          b = Fixtures.REFERENCE_GSON.toJsonTree(viaJson);
        } else {
          // No model: the Protobuf tree names the same object as the JSON.
          a = identity((JsonElement) viaProtobuf);
          b = identity((JsonElement) viaJson);
        }
        List<String> diff = Fixtures.diff(a, b, "");
        if (!diff.isEmpty()) {
          differing.put(d.getFileName() + "/" + name, diff);
        }
      }
    }
    System.out.printf(
        "fixtures through the safe client: %d, %d with a model, %d asked in Protobuf, %d of those"
            + " decoded from Protobuf, the rest read again in JSON%n",
        fixtures, withModel, askedProtobuf, decodedFromProtobuf);
    differing.forEach((k, v) -> System.out.println("  differs " + k + ": " + v));
    assertThat(fixtures).isGreaterThanOrEqualTo(700); // 771 today: HEAD and three releases
    assertThat(differing).isEmpty();
    assertThat(decodedFromProtobuf).isGreaterThan(0);
  }

  /** A version no release's schema has a message for is not asked for in Protobuf. */
  @Test
  void aGroupVersionWithoutMessagesIsAskedForJson() throws Exception {
    answerByAccept();
    dir = KubeApiTestdata.head();
    get(
        client(true),
        "/apis/apps/v9/namespaces/fixtures/things/apps.v1.Deployment",
        JsonElement.class);
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    get(
        client(true),
        "/apis/apps/v1/namespaces/fixtures/things/apps.v1.Deployment",
        JsonElement.class);
    assertThat(server.takeRequest().getHeaders().get("Accept")).startsWith(PB);
  }

  private static JsonElement identity(JsonElement e) {
    com.google.gson.JsonObject o = new com.google.gson.JsonObject();
    if (e.isJsonObject()) {
      var obj = e.getAsJsonObject();
      for (String key : List.of("kind", "apiVersion")) {
        if (obj.has(key) && !obj.get(key).getAsString().isEmpty()) {
          o.add(key, obj.get(key));
        }
      }
      if (obj.has("metadata") && obj.getAsJsonObject("metadata").has("name")) {
        o.add("name", obj.getAsJsonObject("metadata").get("name"));
      }
    }
    return JsonParser.parseString(o.toString());
  }
}
