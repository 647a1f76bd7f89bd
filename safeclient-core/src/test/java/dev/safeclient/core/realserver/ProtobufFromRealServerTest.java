package dev.safeclient.core.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every built-in kind a real server lists, found through discovery, read at one resourceVersion in
 * JSON and in Protobuf: the Protobuf body, turned into JSON by the codec, must equal the server's
 * own JSON.
 */
@RealApiserverTest
class ProtobufFromRealServerTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1.30", "v1.34", "v1.36", "v1.37"})
  void protobufDecodesEqualToJsonForEveryListedBuiltInKind(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    OkHttpClient http = server.apiClient(Identity.ADMIN).getHttpClient();
    String token = server.token(Identity.ADMIN);
    SafeClient safe = SafeClient.wrap(server.apiClient(Identity.ADMIN));
    ProtobufCodec codec = ClientInternals.of(safe).protobuf();
    // The client's first list learns the server's /version; the codec renders its json tags.
    new io.kubernetes.client.openapi.apis.CoreV1Api(safe.apiClient()).listNamespace().execute();

    // A pod template's metadata holds a zero creationTimestamp, whose JSON changed in 1.34.
    Request template =
        new Request.Builder()
            .url(server.url() + "/api/v1/namespaces/default/podtemplates")
            .header("Authorization", "Bearer " + token)
            .post(
                okhttp3.RequestBody.create(
                    "{\"apiVersion\":\"v1\",\"kind\":\"PodTemplate\",\"metadata\":{\"name\":"
                        + "\"protobuf-vs-json\"},\"template\":{\"metadata\":{\"labels\":{\"a\":"
                        + "\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}",
                    okhttp3.MediaType.get("application/json")))
            .build();
    try (Response created = http.newCall(template).execute()) {
      assertThat(created.code()).as("create a pod template").isIn(201, 409);
    }
    Map<String, String> differences = new TreeMap<>();
    List<String> compared = new ArrayList<>();
    List<String> answeredJson = new ArrayList<>();
    for (String path : listPaths(http, server.url(), token)) {
      byte[] json = get(http, server.url() + path, token, "application/json");
      JsonObject meta =
          JsonParser.parseString(new String(json, java.nio.charset.StandardCharsets.UTF_8))
              .getAsJsonObject()
              .getAsJsonObject("metadata");
      // Lists not backed by storage (componentstatuses) carry no resourceVersion.
      String atRv =
          meta != null && meta.has("resourceVersion")
              ? path
                  + "?resourceVersion="
                  + meta.get("resourceVersion").getAsString()
                  + "&resourceVersionMatch=Exact"
              : path;
      JsonElement expected =
          JsonParser.parseString(
              new String(
                  get(http, server.url() + atRv, token, "application/json"),
                  java.nio.charset.StandardCharsets.UTF_8));
      Request protoRequest = request(server.url() + atRv, token, ProtobufCodec.MEDIA_TYPE);
      byte[] proto;
      boolean answeredProtobuf;
      try (Response response = http.newCall(protoRequest).execute()) {
        if (!response.isSuccessful()) {
          throw new IOException(atRv + " (Protobuf): " + response.code());
        }
        // A kind without a Protobuf schema on the server (CRDs, say) is answered in JSON: decode
        // by the answer's Content-Type, as SafeClient does.
        answeredProtobuf = ProtobufCodec.isProtobuf(response.body().contentType());
        proto = response.body().bytes();
      }
      if (!answeredProtobuf) {
        answeredJson.add(path);
      }
      JsonElement actual;
      try {
        actual =
            answeredProtobuf
                ? codec.toJsonTree(proto)
                : JsonParser.parseString(
                    new String(proto, java.nio.charset.StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        differences.put(path, "undecodable: " + e.getMessage());
        continue;
      }
      if (!Boolean.getBoolean("kubernetes.client.includeManagedFields")) {
        // The codec drops managedFields as client-java's JSON decoding does, on purpose.
        dropManagedFields(expected);
      }
      String diff = firstDifference("", expected, actual);
      if (diff != null) {
        differences.put(path, diff);
      }
      compared.add(path);
    }
    System.out.println(
        "[protobuf-vs-json] "
            + pin
            + ": "
            + compared.size()
            + " lists compared, answered in JSON to a Protobuf request: "
            + answeredJson);
    differences.forEach(
        (p, d) -> System.out.println("[protobuf-vs-json] " + pin + " " + p + ": " + d));
    assertThat(compared).hasSizeGreaterThan(30);
    // Every built-in kind has a Protobuf schema on a real server; none may fall back to JSON.
    assertThat(answeredJson).isEmpty();
    assertThat(differences).isEmpty();
  }

  /** Cluster-wide list paths of every listable resource of every group's preferred version. */
  private static List<String> listPaths(OkHttpClient http, String base, String token)
      throws IOException {
    List<String> groupVersions = new ArrayList<>(List.of("/api/v1"));
    JsonObject groups = json(http, base + "/apis", token);
    for (JsonElement g : groups.getAsJsonArray("groups")) {
      groupVersions.add(
          "/apis/"
              + g.getAsJsonObject()
                  .getAsJsonObject("preferredVersion")
                  .get("groupVersion")
                  .getAsString());
    }
    List<String> paths = new ArrayList<>();
    for (String gv : groupVersions) {
      JsonArray resources = json(http, base + gv, token).getAsJsonArray("resources");
      for (JsonElement r : resources) {
        JsonObject o = r.getAsJsonObject();
        String name = o.get("name").getAsString();
        boolean listable = false;
        for (JsonElement v : o.getAsJsonArray("verbs")) {
          listable |= v.getAsString().equals("list");
        }
        // componentstatuses are probed live, not stored: two reads differ in order and content.
        if (listable && !name.contains("/") && !name.equals("componentstatuses")) {
          paths.add(gv + "/" + name);
        }
      }
    }
    return paths;
  }

  private static JsonObject json(OkHttpClient http, String url, String token) throws IOException {
    return JsonParser.parseString(
            new String(
                get(http, url, token, "application/json"), java.nio.charset.StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  private static Request request(String url, String token, String accept) {
    return new Request.Builder()
        .url(url)
        .header("Authorization", "Bearer " + token)
        .header("Accept", accept)
        .build();
  }

  private static byte[] get(OkHttpClient http, String url, String token, String accept)
      throws IOException {
    try (Response response = http.newCall(request(url, token, accept)).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException(url + " (" + accept + "): " + response.code());
      }
      return response.body().bytes();
    }
  }

  private static void dropManagedFields(JsonElement list) {
    JsonArray items = list.getAsJsonObject().getAsJsonArray("items");
    if (items == null) {
      return;
    }
    for (JsonElement item : items) {
      JsonObject meta = item.getAsJsonObject().getAsJsonObject("metadata");
      if (meta != null) {
        meta.remove("managedFields");
      }
    }
  }

  /** The path of the first difference between two JSON trees, with both values, or null. */
  private static String firstDifference(String at, JsonElement expected, JsonElement actual) {
    if (expected.equals(actual)) {
      return null;
    }
    if (expected.isJsonObject() && actual.isJsonObject()) {
      JsonObject e = expected.getAsJsonObject();
      JsonObject a = actual.getAsJsonObject();
      for (String key : e.keySet()) {
        if (!a.has(key)) {
          return at
              + "."
              + key
              + ": missing from Protobuf (JSON has "
              + abbreviate(e.get(key))
              + ")";
        }
        String d = firstDifference(at + "." + key, e.get(key), a.get(key));
        if (d != null) {
          return d;
        }
      }
      for (String key : a.keySet()) {
        if (!e.has(key)) {
          return at + "." + key + ": only in Protobuf (" + abbreviate(a.get(key)) + ")";
        }
      }
    }
    if (expected.isJsonArray() && actual.isJsonArray()) {
      JsonArray e = expected.getAsJsonArray();
      JsonArray a = actual.getAsJsonArray();
      for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
        String d = firstDifference(at + "[" + i + "]", e.get(i), a.get(i));
        if (d != null) {
          return d;
        }
      }
      if (e.size() != a.size()) {
        return at + ": " + e.size() + " elements in JSON, " + a.size() + " in Protobuf";
      }
    }
    return at + ": JSON " + abbreviate(expected) + " vs Protobuf " + abbreviate(actual);
  }

  private static String abbreviate(JsonElement e) {
    String s = e.toString();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }
}
