package dev.safeclient.relay.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.informer.RawJsonException;
import dev.safeclient.informer.RawObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Reads from a relay over real HTTP, as an agent would, for the tests. */
final class RelayHttp implements AutoCloseable {
  record Answer(int code, String retryAfter, String body) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }

    List<String> names() {
      List<String> out = new ArrayList<>();
      for (JsonElement e : json().getAsJsonArray("items")) {
        out.add(e.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString());
      }
      return out;
    }

    String resourceVersion() {
      return json().getAsJsonObject("metadata").get("resourceVersion").getAsString();
    }

    String continueToken() {
      JsonObject m = json().getAsJsonObject("metadata");
      return m.has("continue") ? m.get("continue").getAsString() : null;
    }
  }

  private final String base;
  final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build();

  RelayHttp(String base) {
    this.base = base;
  }

  Answer get(String pathAndQuery) throws IOException {
    try (Response r =
        http.newCall(new Request.Builder().url(base + pathAndQuery).build()).execute()) {
      return new Answer(r.code(), r.header("Retry-After"), r.body().string());
    }
  }

  CompletableFuture<Answer> getAsync(String pathAndQuery) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return get(pathAndQuery);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  Answer post(String path) throws IOException {
    Request req =
        new Request.Builder()
            .url(base + path)
            .post(RequestBody.create(new byte[] {'{', '}'}))
            .build();
    try (Response r = http.newCall(req).execute()) {
      return new Answer(r.code(), r.header("Retry-After"), r.body().string());
    }
  }

  /** An open watch: its lines as they come. */
  final class Watch implements AutoCloseable {
    final Response response;
    final BufferedReader lines;

    Watch(String pathAndQuery) throws IOException {
      response = http.newCall(new Request.Builder().url(base + pathAndQuery).build()).execute();
      lines =
          new BufferedReader(
              new InputStreamReader(response.body().byteStream(), StandardCharsets.UTF_8));
    }

    /** The next event as {type, name or "", resourceVersion}; null at the stream's end. */
    JsonObject next() throws IOException {
      String line = lines.readLine();
      return line == null ? null : JsonParser.parseString(line).getAsJsonObject();
    }

    @Override
    public void close() {
      response.close();
    }
  }

  Watch watch(String pathAndQuery) throws IOException {
    return new Watch(pathAndQuery);
  }

  /** "TYPE name rv", as the tests compare a watch event. */
  static String summary(JsonObject event) {
    return type(event) + " " + name(event) + " " + rv(event);
  }

  static String type(JsonObject event) {
    return event.get("type").getAsString();
  }

  static String name(JsonObject event) {
    JsonObject m = event.getAsJsonObject("object").getAsJsonObject("metadata");
    return m.has("name") ? m.get("name").getAsString() : "";
  }

  static String rv(JsonObject event) {
    return event
        .getAsJsonObject("object")
        .getAsJsonObject("metadata")
        .get("resourceVersion")
        .getAsString();
  }

  /** A pod's JSON as a watch carries it, at {@code rv}. */
  static String podJson(String ns, String name, long rv, String node, String app, String phase) {
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\",\"uid\":\"uid-"
        + name
        + "\",\"resourceVersion\":\""
        + rv
        + "\",\"labels\":{\"app\":\""
        + app
        + "\"}},\"spec\":{\"nodeName\":\""
        + node
        + "\"},\"status\":{\"phase\":\""
        + phase
        + "\"}}";
  }

  static CachedObject pod(String ns, String name, long rv, String node, String app) {
    return pod(ns, name, rv, node, app, "Running");
  }

  static CachedObject pod(String ns, String name, long rv, String node, String app, String phase) {
    try {
      return CachedObject.of(
          RawObject.ofJson(
              podJson(ns, name, rv, node, app, phase).getBytes(StandardCharsets.UTF_8)),
          "Pod",
          "v1",
          true);
    } catch (RawJsonException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
