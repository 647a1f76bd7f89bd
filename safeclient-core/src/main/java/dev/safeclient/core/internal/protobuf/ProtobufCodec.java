package dev.safeclient.core.internal.protobuf;

import com.google.gson.JsonElement;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.json.JsonBodyCodec;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.model.GoJsonFields;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Decodes Kubernetes Protobuf ({@code application/vnd.kubernetes.protobuf}) into the same
 * client-java model objects the JSON path gives, or into a JSON tree where the caller wants one.
 * Thread-safe; one per {@code SafeClient}, which owns its SC203 warnings.
 */
public final class ProtobufCodec {
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  private final WarningChannel warnings;
  private final TolerantJson skew;
  private final Map<String, LongAdder> unknownFields = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final UnknownFieldSink sink = this::unknownField;
  private final JsonOnlyGroupVersions jsonOnly;
  private final int maxObjectBytes;
  private final Supplier<Optional<ServerVersion>> serverVersion;

  /**
   * @param warnings where SC203 goes, once per unknown field; null to only count
   */
  public ProtobufCodec(WarningChannel warnings) {
    this(warnings, null);
  }

  /**
   * @param warnings where SC203 goes, once per unknown field; null to only count
   * @param skew the client's JSON side table: objects decoded whole are recorded there, and a field
   *     that could not be kept arms SC204 for its type, as on the JSON path; null to skip
   */
  public ProtobufCodec(WarningChannel warnings, TolerantJson skew) {
    this(warnings, skew, TimeSource.system());
  }

  /**
   * @param clock the time of the JSON-only marks ({@link #jsonOnly()})
   */
  public ProtobufCodec(WarningChannel warnings, TolerantJson skew, TimeSource clock) {
    this(warnings, skew, clock, ProtobufWatchEventReader.DEFAULT_MAX_FRAME_BYTES);
  }

  /**
   * @param maxObjectBytes the largest watch frame or single-object body accepted
   */
  public ProtobufCodec(
      WarningChannel warnings, TolerantJson skew, TimeSource clock, int maxObjectBytes) {
    this(warnings, skew, clock, maxObjectBytes, Optional::empty);
  }

  /**
   * @param serverVersion the server's version as the client knows it (learnt from {@code /version},
   *     or given): a JSON tree renders zero and nil values as that release's Go json tags do; the
   *     newest release's while it is unknown
   */
  public ProtobufCodec(
      WarningChannel warnings,
      TolerantJson skew,
      TimeSource clock,
      int maxObjectBytes,
      Supplier<Optional<ServerVersion>> serverVersion) {
    this.serverVersion = java.util.Objects.requireNonNull(serverVersion, "serverVersion");
    this.warnings = warnings;
    this.skew = skew;
    this.jsonOnly = new JsonOnlyGroupVersions(clock, JsonOnlyGroupVersions.DEFAULT_HOLD);
    if (maxObjectBytes < 1) {
      throw new IllegalArgumentException("maxObjectBytes must be >= 1: " + maxObjectBytes);
    }
    this.maxObjectBytes = maxObjectBytes;
  }

  /** The largest watch frame or single-object body accepted. */
  public int maxObjectBytes() {
    return maxObjectBytes;
  }

  /** The group/versions asked for in JSON for now, shared with SC103's negotiation. */
  public JsonOnlyGroupVersions jsonOnly() {
    return jsonOnly;
  }

  /** Reads a request again, asking for JSON; the answer decoded into {@code type}. */
  @FunctionalInterface
  public interface JsonReread {
    Object read(okhttp3.Request jsonRequest, Type type) throws ApiException;
  }

  /**
   * Whether any release's Protobuf schema has a message in this group/version ({@code ""} for the
   * core group): one that has none (a version newer than these schemas) is not asked for Protobuf.
   */
  public static boolean hasSchema(String group, String version) {
    return MessageResolver.hasGroupVersion(group, version);
  }

  /** Whether an answer decoded into {@code type} becomes client-java models, not a JSON tree. */
  public static boolean decodesIntoModel(Type type) {
    return type != null && ModelBinding.isModel(type);
  }

  /** Whether a response of this content type is Kubernetes Protobuf. */
  public static boolean isProtobuf(MediaType contentType) {
    return contentType != null
        && "application".equals(contentType.type())
        && "vnd.kubernetes.protobuf".equals(contentType.subtype());
  }

  /**
   * Decodes a whole response body (magic + {@code runtime.Unknown}) into {@code type}: a
   * client-java model, {@code JsonElement}, or anything Gson can build from a JSON tree.
   *
   * @throws ProtobufDecodeException for any malformed or unexpected input
   */
  @SuppressWarnings("unchecked")
  public <T> T decode(byte[] body, Type type) throws ProtobufDecodeException {
    KeptFields kept = new KeptFields();
    T o = (T) decode(body, 0, body.length, type, "response body", null, kept);
    kept.record(null, null);
    return o;
  }

  /**
   * The Protobuf branch of {@code SafeApiClient.deserialize}: a decode failure reaches the caller
   * of a generated API as an {@link ApiException} whose cause is the {@link
   * ProtobufDecodeException}.
   */
  public <T> T decode(Response response, Type returnType) throws ApiException {
    return decode(response, returnType, null);
  }

  /**
   * As {@link #decode(Response, Type)}; what cannot be decoded whole is never an error where JSON
   * would have worked. A single object whose body is undecodable or holds fields the models cannot
   * keep is read again in JSON through {@code reread} (one object: cheap). A list is never read
   * again (that can cost a full etcd read): its objects are delivered and their kind is marked
   * lossy (SC204 then holds back a PUT of a copy). Either way the group/version is asked for in
   * JSON for a while ({@link JsonOnlyGroupVersions}), with SC203 warned once.
   *
   * @param reread null to fail instead of reading again
   */
  @SuppressWarnings("unchecked")
  public <T> T decode(Response response, Type returnType, JsonReread reread) throws ApiException {
    if (returnType == null) {
      response.close();
      return null;
    }
    okhttp3.Request request = response.request();
    // A LIST read as a JSON tree (GenericKubernetesApi) is a list too: never capped, never re-read.
    KubeRequest classified = request.tag(KubeRequest.class);
    boolean single = !isList(returnType) && (classified == null || classified.verb() != Verb.LIST);
    List<String> unkept = new ArrayList<>();
    KeptFields kept = new KeptFields();
    Object o;
    try (ResponseBody body = response.body()) {
      byte[] bytes = null;
      if (single) {
        try {
          // A single object beyond the cap is refused before its bytes are read.
          bytes = readCapped(body);
        } catch (IOException e) {
          throw new ApiException(
              e.getMessage(), e, response.code(), response.headers().toMultimap(), null);
        }
      }
      try {
        // A list is not capped (150,000 pods are about 135 MB, and plain client-java reads them):
        // it is decoded as it arrives, each item capped, never buffered whole.
        o =
            bytes != null
                ? decode(bytes, 0, bytes.length, returnType, "response body", unkept::add, kept)
                : decodeStream(
                    body.byteStream(), returnType, "response body", unkept::add, kept, null);
      } catch (ProtobufDecodeException e) {
        markJsonOnly(request, e.getMessage());
        if (single && reread != null && "GET".equals(request.method())) {
          return (T) reread.read(jsonRequest(request), returnType);
        }
        throw new ApiException(
            e.getMessage(), e, response.code(), response.headers().toMultimap(), null);
      } catch (IOException e) {
        // The connection failed, not the encoding: as client-java reports a body it cannot read.
        throw new ApiException(
            e.getMessage(), e, response.code(), response.headers().toMultimap(), null);
      }
    }
    if (unkept.isEmpty()) {
      kept.record(skew, requestLine(request));
      if (skew != null && ModelBinding.isModel(returnType)) {
        TolerantJson.recordDecoded(o);
        if (o instanceof KubernetesListObject list) {
          list.getItems().forEach(TolerantJson::recordDecoded);
        }
      }
      return (T) o;
    }
    Set<String> fields = new LinkedHashSet<>(unkept);
    if (!ModelBinding.isModel(returnType)) {
      // A JSON tree (GenericKubernetesApi, DynamicKubernetesApi, CustomObjectsApi) returns every
      // field the server sent, and a Dynamic body is PUT as it is: a tree without these fields
      // would be PUT without them, with nothing to warn. One object is read again in JSON (cheap),
      // as a model is. A list is not (a second whole list): its kind is marked lossy and the tree
      // not whole, so that a later PUT of one of its items meets SC204.
      if (single && reread != null && "GET".equals(request.method())) {
        markJsonOnly(request, "fields no schema knows: " + fields);
        return (T) reread.read(jsonRequest(request), returnType);
      }
      Class<?> kind = modelOfTree(o);
      if (skew != null && kind != null) {
        recordUnkept(kind, request, fields);
      }
      if (o instanceof com.google.gson.JsonObject tree) {
        JsonBodyCodec.notWhole(tree);
      }
      return (T) o;
    }
    markJsonOnly(request, "fields the client-java models cannot keep: " + fields);
    if (single && reread != null && "GET".equals(request.method())) {
      return (T) reread.read(jsonRequest(request), returnType);
    }
    kept.record(skew, requestLine(request));
    if (skew != null) {
      recordLossy(o, (Class<?>) returnType, request, fields);
    }
    return (T) o;
  }

  /**
   * A single object's body, refused with a typed error if its declared length (Content-Length) or,
   * for a chunked body, the bytes that arrive go past the cap.
   */
  private byte[] readCapped(ResponseBody body) throws IOException {
    long declared = body.contentLength();
    if (declared > maxObjectBytes) {
      throw new ProtobufDecodeException(
          "Protobuf body of " + declared + " bytes exceeds the maximum of " + maxObjectBytes);
    }
    if (declared >= 0) {
      return body.bytes();
    }
    okio.BufferedSource source = body.source();
    if (source.request(maxObjectBytes + 1L)) {
      throw new ProtobufDecodeException(
          "Protobuf body of more than " + maxObjectBytes + " bytes exceeds the maximum");
    }
    return source.readByteArray();
  }

  /** The client-java model of a decoded tree's kind (of its items, for a list), or null. */
  private static Class<?> modelOfTree(Object tree) {
    String apiVersion;
    String kind;
    if (tree instanceof JsonElement e && e.isJsonObject()) {
      var o = e.getAsJsonObject();
      apiVersion = o.has("apiVersion") ? o.get("apiVersion").getAsString() : "";
      kind = o.has("kind") ? o.get("kind").getAsString() : "";
    } else if (tree instanceof Map<?, ?> m) {
      apiVersion = String.valueOf(m.get("apiVersion"));
      kind = String.valueOf(m.get("kind"));
    } else {
      return null;
    }
    if (kind.endsWith("List")) {
      kind = kind.substring(0, kind.length() - "List".length());
    }
    ProtoSchema.Message m = MessageResolver.byTypeMeta(apiVersion, kind);
    return m == null ? null : MessageResolver.modelFor(m);
  }

  private static boolean isList(Type type) {
    return type instanceof Class<?> c && KubernetesListObject.class.isAssignableFrom(c);
  }

  private static okhttp3.Request jsonRequest(okhttp3.Request request) {
    return request.newBuilder().header("Accept", "application/json").build();
  }

  /** Asks for JSON for the request's group/version for a while; SC203 once per spell. */
  private void markJsonOnly(okhttp3.Request request, String why) {
    KubeRequest k = request.tag(KubeRequest.class);
    if (k == null || k.group() == null) {
      return;
    }
    markJsonOnly(k.groupVersion(), k.requestLine(), why);
  }

  private void markJsonOnly(String gv, String requestLine, String why) {
    boolean first = jsonOnly.mark(gv);
    if (first && warnings != null) {
      warnings.warn(
          "SC203",
          "Protobuf answer of "
              + gv
              + " not decoded whole ("
              + why
              + "); "
              + gv
              + " is read in JSON for the next "
              + jsonOnlyHoldText(),
          requestLine);
    }
  }

  private static String jsonOnlyHoldText() {
    return JsonOnlyGroupVersions.DEFAULT_HOLD.toMinutes() + " minutes";
  }

  /**
   * The fields that could not be kept arm SC204 for the type callers update. For a list, that is
   * the item type, and no item is recorded as whole: which item held the field is not tracked, so
   * all are treated as copies.
   */
  private void recordLossy(Object o, Class<?> type, okhttp3.Request request, Set<String> fields) {
    List<?> items = o instanceof KubernetesListObject list ? list.getItems() : null;
    Class<?> updated = items != null && !items.isEmpty() ? items.get(0).getClass() : type;
    recordUnkept(updated, request, fields);
  }

  private static String requestLine(okhttp3.Request request) {
    String query = request.url().encodedQuery();
    return request.method()
        + " "
        + request.url().encodedPath()
        + (query == null ? "" : "?" + query);
  }

  private void recordUnkept(Class<?> updated, okhttp3.Request request, Set<String> fields) {
    String requestLine = requestLine(request);
    for (String field : fields) {
      skew.recordUnkeptField(updated, "Protobuf field " + field, requestLine);
    }
  }

  /**
   * The object of a watch event. Fields the models cannot keep mark its kind lossy, as a list's do
   * (SC204 holds back a PUT of a copy); an object decoded whole is recorded as such.
   */
  Object decodeWatchObject(byte[] b, int off, int len, Class<?> type)
      throws ProtobufDecodeException {
    String what = "watch event object";
    KeptFields kept = new KeptFields();
    if (skew == null || !ModelBinding.isModel(type)) {
      Object o = decode(b, off, len, type, what, null, kept);
      kept.record(skew, "WATCH " + type.getTypeName());
      return o;
    }
    List<String> unkept = new ArrayList<>();
    Object o = decode(b, off, len, type, what, unkept::add, kept);
    kept.record(skew, "WATCH " + type.getSimpleName());
    if (unkept.isEmpty()) {
      TolerantJson.recordDecoded(o);
      return o;
    }
    // As for a list: the next watch (and list) of this group/version asks for JSON for a while.
    // First, as for a list, so that the one SC203 warning of this call site says so.
    String apiVersion = KubernetesEnvelope.read(b, off, len, what).apiVersion;
    if (!apiVersion.isEmpty()) {
      markJsonOnly(
          apiVersion,
          "WATCH " + type.getSimpleName(),
          "fields the client-java models cannot keep: " + new LinkedHashSet<>(unkept));
    }
    for (String field : new LinkedHashSet<>(unkept)) {
      skew.recordUnkeptField(type, "Protobuf field " + field, "WATCH " + type.getSimpleName());
    }
    return o;
  }

  Object decode(byte[] b, int off, int len, Type type, String what) throws ProtobufDecodeException {
    KeptFields kept = new KeptFields();
    Object o = decode(b, off, len, type, what, null, kept);
    kept.record(skew, null);
    return o;
  }

  private Object decode(
      byte[] b, int off, int len, Type type, String what, UnknownFieldSink also, KeptFields kept)
      throws ProtobufDecodeException {
    KubernetesEnvelope env = KubernetesEnvelope.read(b, off, len, what);
    try {
      return decodeObject(
          env,
          CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength),
          type,
          what,
          also,
          kept,
          Integer.MAX_VALUE,
          null);
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException(what + ": malformed Protobuf: " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a whole body (magic + {@code runtime.Unknown}) as it is read from {@code body}: a list
   * of any length, each of its items at most {@link #maxObjectBytes()}. No buffer of the declared
   * length of the body or the list is allocated: the decoder holds {@value #STREAM_BUFFER_BYTES}
   * bytes of input beyond the item it is decoding, and a body that ends early is a {@link
   * ProtobufDecodeException} as soon as its end is read.
   *
   * @throws ProtobufDecodeException for any malformed or unexpected input
   * @throws IOException if reading {@code body} fails
   */
  @SuppressWarnings("unchecked")
  public <T> T decode(InputStream body, Type type) throws IOException {
    KeptFields kept = new KeptFields();
    T o = (T) decodeStream(body, type, "response body", null, kept, null);
    kept.record(null, null);
    return o;
  }

  /**
   * What {@link #decode(InputStream, Type)} reads ahead of the item it decodes: one okio segment,
   * so that a read from the socket's buffer is one copy.
   */
  static final int STREAM_BUFFER_BYTES = 8192;

  /** As {@link #decode(InputStream, Type)}, each item of a root list told to {@code items}. */
  Object decodeStream(
      InputStream body,
      Type type,
      String what,
      UnknownFieldSink also,
      KeptFields kept,
      ModelDecoder.ItemListener items)
      throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(new BodyStream(body), STREAM_BUFFER_BYTES);
    in.setSizeLimit(Integer.MAX_VALUE);
    try {
      KubernetesEnvelope env = KubernetesEnvelope.readHead(in, what, maxObjectBytes);
      int old = in.pushLimit(env.rawLength);
      Object o = decodeObject(env, in, type, what, also, kept, maxObjectBytes, items);
      ModelDecoder.expectEndOfLimit(in, what);
      in.popLimit(old);
      KubernetesEnvelope.readTail(in, what);
      return o;
    } catch (BodyStream.ReadFailure e) {
      throw e.failure();
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException(what + ": malformed Protobuf: " + e.getMessage(), e);
    }
  }

  private Object decodeObject(
      KubernetesEnvelope env,
      CodedInputStream in,
      Type type,
      String what,
      UnknownFieldSink also,
      KeptFields kept,
      int maxItemBytes,
      ModelDecoder.ItemListener items)
      throws IOException {
    UnknownFieldSink sink =
        also == null
            ? this.sink
            : key -> {
              // Counted here; SC203 is then warned once by the side table (recordUnkeptField).
              count(key);
              also.unknownField(key);
            };
    try {
      if (ModelBinding.isModel(type)) {
        Class<?> cls = (Class<?>) type;
        ProtoSchema.Message m = MessageResolver.forClass(cls, env.apiVersion);
        if (m != null) {
          if (!env.kind.isEmpty() && !env.kind.equals(m.simpleName())) {
            throw new ProtobufDecodeException(
                what + ": expected kind " + m.simpleName() + ", got " + env.kind);
          }
          ModelBinding binding = ModelBinding.of(cls, m);
          Object o =
              new ModelDecoder(sink, kept)
                  .rendering(rendering())
                  .maxItemBytes(maxItemBytes)
                  .items(items)
                  .readRoot(in, binding);
          if (binding.apiVersionField != null && !env.apiVersion.isEmpty()) {
            binding.apiVersionField.set(o, env.apiVersion);
          }
          if (binding.kindField != null && !env.kind.isEmpty()) {
            binding.kindField.set(o, env.kind);
          }
          return o;
        }
      }
      // A tree that client-java's strict Gson binds into a model must leave out the fields the
      // model lacks; any other (a JsonElement, a Map) carries them all, as JSON would.
      JsonElement tree = tree(env, in, what, sink, !ModelBinding.isModel(type), maxItemBytes);
      if (type instanceof Class<?> c && JsonElement.class.isAssignableFrom(c)) {
        return tree;
      }
      if (type == String.class) {
        return tree.toString(); // the body as JSON text, which is what plain client-java returns
      }
      return JSON.getGson().fromJson(tree, type);
    } catch (ProtobufDecodeException | BodyStream.ReadFailure e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException(what + ": malformed Protobuf: " + e.getMessage(), e);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      throw new ProtobufDecodeException(what + ": undecodable value: " + e, e);
    }
  }

  /**
   * The JSON tree of a whole body, as the API server would have sent it in JSON. This costs a tree
   * node per value on top of the Protobuf parse; {@code GenericKubernetesApi} reads go this way.
   */
  public JsonElement toJsonTree(byte[] body) throws ProtobufDecodeException {
    return toJsonTree(body, null);
  }

  /**
   * As {@link #toJsonTree(byte[])}, for bodies whose envelope may carry no kind (option types): the
   * model class then names the message.
   */
  public JsonElement toJsonTree(byte[] body, Class<?> model) throws ProtobufDecodeException {
    KubernetesEnvelope env = KubernetesEnvelope.read(body, 0, body.length, "response body");
    try {
      if (env.kind.isEmpty() && model != null) {
        ProtoSchema.Message m = MessageResolver.forClass(model, env.apiVersion);
        if (m != null) {
          return new ProtobufJsonTree(sink, false, rendering(), Integer.MAX_VALUE).root(env, m);
        }
      }
      return tree(
          env,
          CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength),
          "response body",
          sink,
          false,
          Integer.MAX_VALUE);
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ProtobufDecodeException("response body: malformed Protobuf: " + e, e);
    }
  }

  /**
   * The Go json tags a JSON tree (and a model's kept fields) is rendered with: the server's
   * release's. SC103 asks for Protobuf for a tree only once the version is known; the newest
   * release's tags are left for a model's kept fields before that (they only go back to the server
   * in a PUT, where an absent field and its zero value decode alike) and for a body in Protobuf no
   * SC103 request asked for (a caller's own Accept).
   */
  private GoJsonFields.Release rendering() {
    return serverVersion
        .get()
        .map(v -> GoJsonFields.release(v.minor()))
        .orElse(GoJsonFields.newest());
  }

  private JsonElement tree(
      KubernetesEnvelope env,
      CodedInputStream in,
      String what,
      UnknownFieldSink sink,
      boolean keepAll,
      int maxItemBytes)
      throws IOException {
    ProtoSchema.Message m = MessageResolver.byTypeMeta(env.apiVersion, env.kind);
    if (m == null) {
      throw new ProtobufDecodeException(
          what + ": no Protobuf schema for " + env.apiVersion + " " + env.kind);
    }
    return new ProtobufJsonTree(sink, keepAll, rendering(), maxItemBytes).root(env, in, m);
  }

  /**
   * The client-java model of a built-in kind ({@code V1Pod} for {@code v1 Pod}, {@code V1PodList}
   * for {@code v1 PodList}), or null for any other kind.
   */
  public static Class<?> modelOf(String apiVersion, String kind) {
    if (apiVersion == null || kind == null) {
      return null;
    }
    ProtoSchema.Message m = MessageResolver.byTypeMeta(apiVersion, kind);
    return m == null ? null : MessageResolver.modelFor(m);
  }

  /** How often a field unknown to the models was seen, by {@code <message>.<field>}. */
  public Map<String, Long> unknownFieldCounts() {
    Map<String, Long> out = new java.util.TreeMap<>();
    unknownFields.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  UnknownFieldSink sink() {
    return sink;
  }

  private void count(String key) {
    unknownFields.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private void unknownField(String key) {
    count(key);
    if (warnings != null && warned.add(key)) {
      warnings.warn(
          "SC203",
          "Protobuf field "
              + key
              + " is unknown to the client-java models (newer server?): skipped; a later"
              + " update of this object would drop it",
          null);
    }
  }
}
