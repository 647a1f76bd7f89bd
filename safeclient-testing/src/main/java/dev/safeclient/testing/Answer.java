package dev.safeclient.testing;

import com.google.gson.JsonElement;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A complete non-streaming answer. */
final class Answer {
  final int code;
  final byte[] body;
  final Map<String, String> headers = new LinkedHashMap<>();

  /** Warning header values, each sent as its own header. */
  final List<String> warnings = new java.util.ArrayList<>();

  Answer(int code, byte[] body) {
    this.code = code;
    this.body = body;
  }

  Answer(int code, JsonElement body) {
    this(code, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  Answer header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  // What the body encodes, so a Protobuf answer reuses each object's cached message bytes.
  StoredObject object;
  List<StoredObject> items;
  ResourceType listOf;
  long listRv;
  String listContinue;
  Long listRemaining;

  /** A Status answer, its headers ({@code Retry-After}) with it. */
  static Answer of(dev.safeclient.apiserver.Status s) {
    Answer r = new Answer(s.code(), s.toJsonBytes());
    s.headers().forEach(r::header);
    return r;
  }

  static Answer of(int code, StoredObject o) {
    Answer r = new Answer(code, o.json);
    r.object = o;
    return r;
  }

  static Answer list(ResourceType t, long rv, String token, List<StoredObject> items) {
    return list(t, rv, token, null, items);
  }

  /** A list page; {@code remaining} is its remainingItemCount, null where none is sent. */
  static Answer list(
      ResourceType t, long rv, String token, Long remaining, List<StoredObject> items) {
    Answer r = new Answer(200, Reads.listBody(t, rv, token, remaining, items));
    r.items = items;
    r.listOf = t;
    r.listRv = rv;
    r.listContinue = token;
    r.listRemaining = remaining;
    return r;
  }
}
