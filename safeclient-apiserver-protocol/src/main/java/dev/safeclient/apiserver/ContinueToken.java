package dev.safeclient.apiserver;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The apiserver's continue token (apiserver storage/continue.go): unpadded base64url of {@code
 * {"v":"meta.k8s.io/v1","rv":N,"start":K}}, N being the resourceVersion of the list's snapshot and
 * K the storage key (relative to the resource's prefix) to continue from. A server that issues the
 * token for a page ending at key L writes {@code L + "\0"}, the first key after L. An RV of -1
 * continues an inconsistent list at the current state (the token a 410 Expired offers).
 */
public final class ContinueToken {
  /** The only encoding version the apiserver reads or writes. */
  private static final String VERSION = "meta.k8s.io/v1";

  /** The resourceVersion of an inconsistent continuation: "the current state, whatever it is". */
  public static final long INCONSISTENT = -1;

  private final long resourceVersion;
  private final String startKey;

  private ContinueToken(long resourceVersion, String startKey) {
    this.resourceVersion = resourceVersion;
    this.startKey = startKey;
  }

  /** The token of the page after the one that ended at {@code lastKey}, at snapshot {@code rv}. */
  public static ContinueToken after(long resourceVersion, String lastKey) {
    return new ContinueToken(resourceVersion, lastKey + "\u0000");
  }

  /** The snapshot's resourceVersion, or {@link #INCONSISTENT}. */
  public long resourceVersion() {
    return resourceVersion;
  }

  /** True for a token that continues at the current state (RV -1). */
  public boolean isInconsistent() {
    return resourceVersion < 0;
  }

  /** The key to continue from, inclusive, as the token carries it. */
  public String startKey() {
    return startKey;
  }

  /**
   * The key the previous page ended at: {@link #startKey()} without the {@code "\0"} the issuer
   * appended, for a store that continues strictly after a key.
   */
  public String afterKey() {
    return startKey.endsWith("\u0000") ? startKey.substring(0, startKey.length() - 1) : startKey;
  }

  /** The token as a client sends it back. */
  public String encode() {
    JsonObject o = new JsonObject();
    o.addProperty("v", VERSION);
    o.addProperty("rv", resourceVersion);
    o.addProperty("start", startKey);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a token as storage.DecodeContinue does. A token that is not one throws a {@link
   * StatusException} with the store's 400: {@code invalid continue token: continue key is not
   * valid...}.
   */
  public static ContinueToken decode(String token) {
    if (token.indexOf('=') >= 0 || token.indexOf('+') >= 0 || token.indexOf('/') >= 0) {
      // base64.RawURLEncoding: no padding, URL alphabet only.
      int at = firstOf(token, "=+/");
      throw invalid("continue key is not valid: illegal base64 data at input byte " + at);
    }
    byte[] data;
    try {
      data = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid("continue key is not valid: illegal base64 data: " + e.getMessage());
    }
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(new String(data, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new JsonParseException("not a JSON object");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw invalid("continue key is not valid: " + e.getMessage());
    }
    String version = string(o, "v");
    if (!VERSION.equals(version)) {
      throw invalid(
          "continue key is not valid: server does not recognize this encoded version " + version);
    }
    long rv;
    String start;
    try {
      rv = o.has("rv") && !o.get("rv").isJsonNull() ? o.get("rv").getAsLong() : 0;
      start = string(o, "start");
    } catch (RuntimeException e) {
      throw invalid("continue key is not valid: " + e.getMessage());
    }
    if (rv == 0) {
      throw invalid(
          "continue key is not valid: incorrect encoded start resourceVersion (version"
              + " meta.k8s.io/v1)");
    }
    if (start.isEmpty()) {
      throw invalid("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
    }
    // Against path traversal: the key, rooted, must already be clean (path.Clean).
    String rooted = start.startsWith("/") ? start : "/" + start;
    if (!isCleanPath(rooted)) {
      throw invalid("continue key is not valid: " + start);
    }
    return new ContinueToken(rv, start);
  }

  private static StatusException invalid(String why) {
    return new StatusException(Status.badRequest("invalid continue token: " + why));
  }

  private static String string(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? "" : e.getAsString();
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** Go's {@code path.Clean(p) == p} for a rooted {@code p}. */
  private static boolean isCleanPath(String p) {
    if (p.equals("/")) {
      return true;
    }
    if (p.endsWith("/")) {
      return false;
    }
    for (String segment : p.substring(1).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContinueToken t
        && t.resourceVersion == resourceVersion
        && t.startKey.equals(startKey);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(resourceVersion) * 31 + startKey.hashCode();
  }

  @Override
  public String toString() {
    // The key names an object: a token's printed form stays out of logs that must not carry it.
    return "ContinueToken{rv=" + resourceVersion + "}";
  }
}
