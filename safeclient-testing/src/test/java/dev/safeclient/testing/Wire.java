package dev.safeclient.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Raw HTTP against a KubeSim, to assert on exactly what goes over the wire. */
final class Wire {
  static final OkHttpClient HTTP =
      new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

  final String base;
  Integer apiserver;

  Wire(KubeSim sim) {
    this.base = sim.url();
  }

  Wire pin(int apiserver) {
    Wire w = new Wire(base);
    w.apiserver = apiserver;
    return w;
  }

  private Wire(String base) {
    this.base = base;
  }

  /** A complete answer. */
  static final class Reply {
    final int code;
    final okhttp3.Headers headers;
    final String body;

    Reply(int code, okhttp3.Headers headers, String body) {
      this.code = code;
      this.headers = headers;
      this.body = body;
    }

    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }

    List<String> names() {
      List<String> out = new ArrayList<>();
      json()
          .getAsJsonArray("items")
          .forEach(
              i ->
                  out.add(
                      i.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString()));
      return out;
    }

    String rv() {
      return json().getAsJsonObject("metadata").get("resourceVersion").getAsString();
    }

    String continueToken() {
      JsonObject m = json().getAsJsonObject("metadata");
      return m.has("continue") ? m.get("continue").getAsString() : null;
    }

    String causeReason() {
      return json()
          .getAsJsonObject("details")
          .getAsJsonArray("causes")
          .get(0)
          .getAsJsonObject()
          .get("reason")
          .getAsString();
    }
  }

  Reply get(String pathAndQuery) throws IOException {
    return call(new Request.Builder().url(base + pathAndQuery).get());
  }

  Reply post(String path, String json) throws IOException {
    return call(
        new Request.Builder()
            .url(base + path)
            .post(RequestBody.create(json, MediaType.get("application/json"))));
  }

  Reply put(String path, String json) throws IOException {
    return call(
        new Request.Builder()
            .url(base + path)
            .put(RequestBody.create(json, MediaType.get("application/json"))));
  }

  Reply mergePatch(String path, String json) throws IOException {
    return call(
        new Request.Builder()
            .url(base + path)
            .patch(RequestBody.create(json, MediaType.get("application/merge-patch+json"))));
  }

  Reply patch(String path, String contentType, String json) throws IOException {
    return call(
        new Request.Builder()
            .url(base + path)
            .patch(RequestBody.create(json, MediaType.get(contentType))));
  }

  Reply delete(String pathAndQuery) throws IOException {
    return call(new Request.Builder().url(base + pathAndQuery).delete());
  }

  Reply delete(String path, String optionsJson) throws IOException {
    return call(
        new Request.Builder()
            .url(base + path)
            .delete(RequestBody.create(optionsJson, MediaType.get("application/json"))));
  }

  private Reply call(Request.Builder b) throws IOException {
    if (apiserver != null) {
      b.header(ApiHandler.APISERVER_HEADER, apiserver.toString());
    }
    try (Response r = HTTP.newCall(b.build()).execute()) {
      ResponseBody body = r.body();
      return new Reply(r.code(), r.headers(), body == null ? "" : body.string());
    }
  }

  /** Opens a watch and returns its raw response for line-by-line reading. */
  Response openWatch(String pathAndQuery) throws IOException {
    Request.Builder b = new Request.Builder().url(base + pathAndQuery).get();
    if (apiserver != null) {
      b.header(ApiHandler.APISERVER_HEADER, apiserver.toString());
    }
    return HTTP.newCall(b.build()).execute();
  }

  static String pod(String ns, String name, String node, String labelsJson) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\""
        + (labelsJson == null ? "" : ",\"labels\":" + labelsJson)
        + "},\"spec\":{"
        + (node == null ? "" : "\"nodeName\":\"" + node + "\",")
        + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]},\"status\":{\"phase\":\"Running\"}}";
  }
}
