package dev.safeclient.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The apiserver's continue token: base64 of {@code {"v":"meta.k8s.io/v1","rv":N,"start":K}}, K
 * being the key after which to continue, NUL-terminated as etcd3's {@code lastKey + "\x00"}. An RV
 * of -1 continues an inconsistent list at the current state.
 */
final class ContinueToken {
  final long rv;
  final String afterKey;

  ContinueToken(long rv, String afterKey) {
    this.rv = rv;
    this.afterKey = afterKey;
  }

  String encode() {
    JsonObject o = new JsonObject();
    o.addProperty("v", "meta.k8s.io/v1");
    o.addProperty("rv", rv);
    o.addProperty("start", afterKey + "\u0000");
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Throws IllegalArgumentException (a 400) for anything that is not one of ours. */
  static ContinueToken decode(String token) {
    try {
      String json =
          new String(
              Base64.getUrlDecoder().decode(token.replace('+', '-').replace('/', '_')),
              StandardCharsets.UTF_8);
      JsonObject o = JsonParser.parseString(json).getAsJsonObject();
      if (!"meta.k8s.io/v1".equals(o.get("v").getAsString())) {
        throw new IllegalArgumentException(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      }
      String start = o.get("start").getAsString();
      if (start.endsWith("\u0000")) {
        start = start.substring(0, start.length() - 1);
      }
      return new ContinueToken(o.get("rv").getAsLong(), start);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("continue key is not valid: " + e.getMessage(), e);
    }
  }
}
