package dev.safeclient.informer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One Kubernetes object exactly as the API server sent it: its bytes, their content type, and the
 * metadata a cache indexes by, read from those bytes. The bytes are never handed out mutable and
 * never re-encoded.
 *
 * <p><b>Two forms of one object.</b> The API server encodes a built-in type's JSON list items
 * without {@code kind} and {@code apiVersion} (only the list carries a type), and the same object
 * in a watch event, or a GET, with them: Go writes the embedded {@code TypeMeta} first, {@code
 * kind} before {@code apiVersion}. Custom resources carry both fields in both places. An object
 * keeps the form it arrived in ({@link #hasTypeMeta()}); {@link #withoutTypeMeta()} and {@link
 * #withTypeMeta(String, String)} turn one form into the other by cutting or inserting those two
 * members, byte for byte, so that both equal what the server sends for that object in the other
 * place (for the compact JSON the API server writes).
 *
 * <p>Only {@code application/json} exists in this release; the content type is kept beside the
 * bytes so that Protobuf can come later.
 */
public final class RawObject {
  /** The content type of JSON objects. */
  public static final String JSON = "application/json";

  // Kinds and group/versions are Go identifiers and DNS names: nothing a JSON string must escape.
  private static final Pattern TYPE_META_VALUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9./-]*");

  private final byte[] bytes;
  private final String contentType;
  private final String namespace;
  private final String name;
  private final String uid;
  private final String resourceVersion;
  private final Map<String, String> labels;
  private final String kind;
  private final String apiVersion;
  // The byte ranges [from, to) that hold the top-level kind and apiVersion members with their
  // separating comma, merged and sorted; empty when the bytes carry neither.
  private final int[] typeMetaCuts;
  // A BOOKMARK's k8s.io/initial-events-end annotation: the end of a streaming list's initial state.
  private final boolean initialEventsEnd;

  RawObject(
      byte[] bytes,
      String contentType,
      String namespace,
      String name,
      String uid,
      String resourceVersion,
      Map<String, String> labels,
      String kind,
      String apiVersion,
      int[] typeMetaCuts,
      boolean initialEventsEnd) {
    this.bytes = bytes;
    this.contentType = contentType;
    this.namespace = namespace;
    this.name = name;
    this.uid = uid;
    this.resourceVersion = resourceVersion;
    this.labels = labels;
    this.kind = kind;
    this.apiVersion = apiVersion;
    this.typeMetaCuts = typeMetaCuts;
    this.initialEventsEnd = initialEventsEnd;
  }

  /**
   * One JSON object, as a GET answers it: the bytes are copied, and the object's own bytes kept
   * (whitespace around it is not part of it).
   *
   * @throws RawJsonException where {@code json} is not exactly one JSON object
   */
  public static RawObject ofJson(byte[] json) throws RawJsonException {
    return RawJson.object(json.clone());
  }

  /** The bytes' content type: {@link #JSON}. */
  public String contentType() {
    return contentType;
  }

  /** How many bytes the object is. */
  public int size() {
    return bytes.length;
  }

  /** A copy of the bytes. */
  public byte[] copyBytes() {
    return bytes.clone();
  }

  /** The bytes, read-only and without a copy. */
  public ByteBuffer asReadOnlyBuffer() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /** Writes the bytes to {@code out}, without a copy. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(bytes);
  }

  /** Whether {@code other} holds exactly these bytes. */
  public boolean contentEquals(byte[] other) {
    return Arrays.equals(bytes, other);
  }

  /** {@code metadata.namespace}; empty for a cluster-scoped object. */
  public String namespace() {
    return namespace;
  }

  /** {@code metadata.name}; empty in a BOOKMARK. */
  public String name() {
    return name;
  }

  /** {@code metadata.uid}; empty in a BOOKMARK. */
  public String uid() {
    return uid;
  }

  /** {@code metadata.resourceVersion}; empty when the server sent none. */
  public String resourceVersion() {
    return resourceVersion;
  }

  /** {@code metadata.labels}, unmodifiable; empty when there are none. */
  public Map<String, String> labels() {
    return labels;
  }

  /** The cache key client-go uses: {@code namespace/name}, or {@code name} when cluster-scoped. */
  public String key() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** The top-level {@code kind}; empty when the bytes carry none (a built-in list item). */
  public String kind() {
    return kind;
  }

  /** The top-level {@code apiVersion}; empty when the bytes carry none (a built-in list item). */
  public String apiVersion() {
    return apiVersion;
  }

  /** Whether the bytes carry a top-level {@code kind} or {@code apiVersion}. */
  public boolean hasTypeMeta() {
    return typeMetaCuts.length > 0;
  }

  boolean initialEventsEnd() {
    return initialEventsEnd;
  }

  /**
   * The object as a built-in type's list item: these bytes with the top-level {@code kind} and
   * {@code apiVersion} members (and their separating comma) cut out, nothing else changed. This
   * object itself when it carries neither.
   */
  public RawObject withoutTypeMeta() {
    if (typeMetaCuts.length == 0) {
      return this;
    }
    int removed = 0;
    for (int i = 0; i < typeMetaCuts.length; i += 2) {
      removed += typeMetaCuts[i + 1] - typeMetaCuts[i];
    }
    byte[] out = new byte[bytes.length - removed];
    int from = 0;
    int at = 0;
    for (int i = 0; i < typeMetaCuts.length; i += 2) {
      int n = typeMetaCuts[i] - from;
      System.arraycopy(bytes, from, out, at, n);
      at += n;
      from = typeMetaCuts[i + 1];
    }
    System.arraycopy(bytes, from, out, at, bytes.length - from);
    return new RawObject(
        out,
        contentType,
        namespace,
        name,
        uid,
        resourceVersion,
        labels,
        "",
        "",
        new int[0],
        initialEventsEnd);
  }

  /**
   * The object as a watch event or a GET carries it: {@code
   * "kind":"<kind>","apiVersion":"<apiVersion>"} inserted first, where the API server's Go encoder
   * writes them. This object itself when it already carries a type.
   *
   * @throws IllegalArgumentException for a kind or apiVersion that is not a Kubernetes identifier,
   *     or one other than the object's own
   */
  public RawObject withTypeMeta(String kind, String apiVersion) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(apiVersion, "apiVersion");
    if (!TYPE_META_VALUE.matcher(kind).matches()
        || !TYPE_META_VALUE.matcher(apiVersion).matches()) {
      throw new IllegalArgumentException("not a kind and apiVersion: " + kind + ", " + apiVersion);
    }
    if (hasTypeMeta()) {
      if (!this.kind.equals(kind) || !this.apiVersion.equals(apiVersion)) {
        throw new IllegalArgumentException(
            "the object is a "
                + this.apiVersion
                + " "
                + this.kind
                + ", not "
                + apiVersion
                + " "
                + kind);
      }
      return this;
    }
    // The object's own bytes start with '{' (RawJson keeps the object's exact span).
    boolean empty = bytes.length == 2;
    byte[] head =
        ("\"kind\":\"" + kind + "\",\"apiVersion\":\"" + apiVersion + "\"" + (empty ? "" : ","))
            .getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[bytes.length + head.length];
    out[0] = bytes[0];
    System.arraycopy(head, 0, out, 1, head.length);
    System.arraycopy(bytes, 1, out, 1 + head.length, bytes.length - 1);
    return new RawObject(
        out,
        contentType,
        namespace,
        name,
        uid,
        resourceVersion,
        labels,
        kind,
        apiVersion,
        new int[] {1, 1 + head.length},
        initialEventsEnd);
  }

  /** Same content type and same bytes. */
  @Override
  public boolean equals(Object o) {
    return o instanceof RawObject r
        && contentType.equals(r.contentType)
        && Arrays.equals(bytes, r.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Names the object, never its content. */
  @Override
  public String toString() {
    return "RawObject[" + key() + " rv=" + resourceVersion + ", " + bytes.length + " bytes]";
  }
}
