package dev.safeclient.core.protobuf;

import com.google.gson.JsonElement;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.safeclient.core.warning.WarningChannel;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.lang.reflect.Type;
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
  private final Map<String, LongAdder> unknownFields = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final UnknownFieldSink sink = this::unknownField;

  /**
   * @param warnings where SC203 goes, once per unknown field; null to only count
   */
  public ProtobufCodec(WarningChannel warnings) {
    this.warnings = warnings;
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
      return decode(body.bytes(), returnType);
    } catch (IOException e) {
      throw new ApiException(
          e.getMessage(), e, response.code(), response.headers().toMultimap(), null);
    }
  }

  Object decode(byte[] b, int off, int len, Type type, String what) throws ProtobufDecodeException {
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

  private void unknownField(String key) {
    unknownFields.computeIfAbsent(key, k -> new LongAdder()).increment();
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
