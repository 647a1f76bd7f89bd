package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.request.CacheFillList;
import dev.safeclient.core.internal.request.DecodeTarget;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.RawBody;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.util.Locale;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * SC103: asks for Protobuf, with JSON as the fallback, on GET and LIST of built-in group/versions,
 * and turns a Protobuf error {@code Status} back into JSON so that {@code
 * ApiException.getResponseBody()} and {@code GenericKubernetesApi} keep reading it.
 *
 * <p>Asked only once the server's version is known (given to the builder, or learnt before a plain
 * consistent LIST): until then JSON, as plain client-java asks.
 *
 * <p>Left alone: a request tagged {@link RawBody} (its caller keeps the JSON bytes as sent), any
 * Accept other than plain JSON ({@code as=Table}, {@code PartialObjectMetadata}, YAML, a caller's
 * own Protobuf), discovery and other non-resource paths, subresources other than status and scale,
 * long-running calls, watches (client-java's {@code Watch} reads JSON lines only), and writes. A
 * group/version that answered JSON (an aggregated API, a proxy) or whose Protobuf could not be
 * decoded whole is asked for JSON for an hour ({@link
 * dev.safeclient.core.internal.protobuf.JsonOnlyGroupVersions}), then tried again. OBSERVE only
 * warns; ENFORCE and STRICT switch; the rule never rejects.
 */
public final class ProtobufNegotiationInterceptor implements Interceptor {
  public static final String RULE_ID = "SC103";
  static final String PROTOBUF_FIRST = ProtobufCodec.MEDIA_TYPE + ", application/json";

  /** The groups the Kubernetes API server itself serves, all of which speak Protobuf. */
  private static final MediaType JSON = MediaType.get("application/json");

  private final SafeClientConfig config;
  private final WarningChannel warnings;
  private final ProtobufCodec codec;

  public ProtobufNegotiationInterceptor(
      SafeClientConfig config, WarningChannel warnings, ProtobufCodec codec) {
    this.config = config;
    this.warnings = warnings;
    this.codec = codec;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
    if (!config.protobuf()
        || !eligible(k, request)
        || codec.jsonOnly().isJsonOnly(k.groupVersion())) {
      return chain.proceed(request);
    }
    if (config.modeFor(RULE_ID) == SafetyMode.OBSERVE) {
      warnings.warn(
          RULE_ID,
          "JSON requested for built-in "
              + k.groupResource()
              + "; Protobuf costs the API server"
              + " far less to serialize (ENFORCE asks for it)",
          k.requestLine());
      return chain.proceed(request);
    }
    Response response =
        chain.proceed(request.newBuilder().header("Accept", PROTOBUF_FIRST).build());
    ResponseBody body = response.body();
    MediaType type = body == null ? null : body.contentType();
    if (!ProtobufCodec.isProtobuf(type)) {
      if (response.isSuccessful() && type != null && "json".equals(type.subtype())) {
        codec.jsonOnly().mark(k.groupVersion()); // served without Protobuf, for now
      }
      return response;
    }
    if (response.isSuccessful()) {
      return response;
    }
    byte[] bytes = body.bytes();
    String json;
    try {
      json = codec.toJsonTree(bytes).toString();
    } catch (IOException e) {
      // Not a Status we can read: hand client-java a JSON Status that says so, not binary.
      com.google.gson.JsonObject s = new com.google.gson.JsonObject();
      s.addProperty("kind", "Status");
      s.addProperty("apiVersion", "v1");
      s.addProperty("status", "Failure");
      s.addProperty("message", "undecodable Protobuf error body: " + e.getMessage());
      s.addProperty("code", response.code());
      json = s.toString();
    }
    return response.newBuilder().body(ResponseBody.create(json, JSON)).build();
  }

  /**
   * Whether the answer is known to be decoded into client-java models (an informer's cache fill, a
   * generated API's call), not rendered as a JSON tree for the caller to read. A tree rendered from
   * Protobuf writes zero and nil values as the server release's Go json tags do, so it needs the
   * server's version; asking {@code /version} for it would be a request plain client-java never
   * makes. Until the version is known (given, or learnt before a plain consistent LIST), such a
   * call is asked in JSON, as plain client-java asks: no harm. A model needs no version: only the
   * fields it lacks are rendered, and those only go back to the server in a PUT, which decodes an
   * absent field and its zero value alike.
   */
  private static boolean decodesIntoModel(Request request) {
    if (request.tag(CacheFillList.class) != null) {
      return true;
    }
    DecodeTarget target = request.tag(DecodeTarget.class);
    return target != null && ProtobufCodec.decodesIntoModel(target.type());
  }

  /**
   * Whether the answer is bound by Gson's own {@code Object}/{@code Map} adapter ({@code
   * CustomObjectsApi}): such a body carries no identity back to the tree it was read from, so a PUT
   * of it could not be told whole from a Protobuf list item that lacked a field no schema knows.
   * Asked in JSON, as plain client-java asks: it is always whole.
   */
  private static boolean decodesIntoPlainMap(Request request) {
    DecodeTarget target = request.tag(DecodeTarget.class);
    java.lang.reflect.Type type = target == null ? null : target.type();
    if (type instanceof java.lang.reflect.ParameterizedType p) {
      type = p.getRawType();
    }
    return type == Object.class
        || (type instanceof Class<?> c && java.util.Map.class.isAssignableFrom(c));
  }

  private static boolean eligible(KubeRequest k, Request request) {
    if (request.tag(RawBody.class) != null || decodesIntoPlainMap(request)) {
      return false;
    }
    if ((k.verb() != Verb.GET && k.verb() != Verb.LIST)
        || k.isLongRunningStream()
        || (request.tag(ServerVersion.class) == null && !decodesIntoModel(request))
        || k.group() == null
        || !BuiltInApis.isApiServersOwnGroup(request.tag(ServerVersion.class), k.group())
        || !ProtobufCodec.hasSchema(k.group(), k.version())) {
      return false;
    }
    String sub = k.subresource();
    if (sub != null && !sub.equals("status") && !sub.equals("scale")) {
      return false;
    }
    String accept = request.header("Accept");
    return accept == null || accept.trim().toLowerCase(Locale.ROOT).equals("application/json");
  }
}
