package dev.safeclient.core.protobuf;

import com.google.gson.JsonElement;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.safeclient.core.json.TolerantJson;
import dev.safeclient.core.warning.WarningChannel;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
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
    this.warnings = warnings;
    this.skew = skew;
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
    return (T) decode(body, 0, body.length, type, "response body");
  }

  /**
   * The Protobuf branch of {@code SafeApiClient.deserialize}: a decode failure reaches the caller
   * of a generated API as an {@link ApiException} whose cause is the {@link
   * ProtobufDecodeException}.
   */
  public <T> T decode(Response response, Type returnType) throws ApiException {
    if (returnType == null) {
      response.close();
      return null;
    }
    try (ResponseBody body = response.body()) {
      if (skew == null || !ModelBinding.isModel(returnType)) {
        return decode(body.bytes(), returnType);
      }
      return decodeRecordingSkew(body.bytes(), (Class<?>) returnType, response.request());
    } catch (IOException e) {
      throw new ApiException(
          e.getMessage(), e, response.code(), response.headers().toMultimap(), null);
    }
  }

  /**
   * Decodes a model and tells the JSON side table what an update of it would lose (SC204): an
   * object with no unknown field is recorded as decoded whole; otherwise the fields that could not
   * be kept arm SC204 for its type. For a list, that is the item type (what callers update), and no
   * item is recorded: which item held the field is not tracked, so all are treated as copies.
   */
  @SuppressWarnings("unchecked")
  private <T> T decodeRecordingSkew(byte[] body, Class<?> type, okhttp3.Request request)
      throws ProtobufDecodeException {
    List<String> unkept = new ArrayList<>();
    Object o = decode(body, 0, body.length, type, "response body", unkept::add);
    List<?> items = o instanceof KubernetesListObject list ? list.getItems() : null;
    if (unkept.isEmpty()) {
      TolerantJson.recordDecoded(o);
      if (items != null) {
        items.forEach(TolerantJson::recordDecoded);
      }
      return (T) o;
    }
    Class<?> updated = items != null && !items.isEmpty() ? items.get(0).getClass() : type;
    String query = request.url().encodedQuery();
    String requestLine =
        request.method() + " " + request.url().encodedPath() + (query == null ? "" : "?" + query);
    for (String field : new LinkedHashSet<>(unkept)) {
      skew.recordUnkeptField(updated, "Protobuf field " + field, requestLine);
    }
    return (T) o;
  }

  Object decode(byte[] b, int off, int len, Type type, String what) throws ProtobufDecodeException {
    return decode(b, off, len, type, what, null);
  }

  private Object decode(byte[] b, int off, int len, Type type, String what, UnknownFieldSink also)
      throws ProtobufDecodeException {
    UnknownFieldSink sink =
        also == null
            ? this.sink
            : key -> {
              // Counted here; SC203 is then warned once by the side table (recordUnkeptField).
              count(key);
              also.unknownField(key);
            };
    KubernetesEnvelope env = KubernetesEnvelope.read(b, off, len, what);
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
          CodedInputStream in =
              CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength);
          Object o = new ModelDecoder(sink).readRoot(in, binding);
          if (binding.apiVersionField != null && !env.apiVersion.isEmpty()) {
            binding.apiVersionField.set(o, env.apiVersion);
          }
          if (binding.kindField != null && !env.kind.isEmpty()) {
            binding.kindField.set(o, env.kind);
          }
          return o;
        }
      }
      JsonElement tree = tree(env, what);
      if (type instanceof Class<?> c && JsonElement.class.isAssignableFrom(c)) {
        return tree;
      }
      return JSON.getGson().fromJson(tree, type);
    } catch (ProtobufDecodeException e) {
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
          return new ProtobufJsonTree(sink).root(env, m);
        }
      }
      return tree(env, "response body");
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ProtobufDecodeException("response body: malformed Protobuf: " + e, e);
    }
  }

  private JsonElement tree(KubernetesEnvelope env, String what) throws IOException {
    ProtoSchema.Message m = MessageResolver.byTypeMeta(env.apiVersion, env.kind);
    if (m == null) {
      throw new ProtobufDecodeException(
          what + ": no Protobuf schema for " + env.apiVersion + " " + env.kind);
    }
    return new ProtobufJsonTree(sink).root(env, m);
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
