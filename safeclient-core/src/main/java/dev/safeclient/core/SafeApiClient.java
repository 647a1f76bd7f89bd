package dev.safeclient.core;

import com.google.gson.JsonObject;
import dev.safeclient.core.internal.json.JsonBodyCodec;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.DecodeTarget;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.server.ListAnswerWitness;
import io.kubernetes.client.openapi.ApiCallback;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.ApiResponse;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The official {@link ApiClient}, with every call sent through the safety pipeline. It builds
 * requests through the base client, so the base path, default headers and authentication stay the
 * user's, live; only the {@link OkHttpClient} (the pipeline) and decoding are ours.
 *
 * <p>Decoding is overridden here, per instance, not through client-java's global static {@code
 * JSON}, which every client in the user's JVM shares. The one exception acts only on JSON trees
 * this client returned, when client-java binds them into a model ({@code ClientJavaBinding}).
 */
class SafeApiClient extends ApiClient {
  private final ApiClient base;
  private final CallOrigin origin;
  private final String userAgent;
  private final JsonBodyCodec jsonBodies;
  private final ProtobufCodec protobuf;
  private final OkHttpClient leasePipeline;
  private final ListAnswerWitness listAnswers;

  SafeApiClient(
      ApiClient base,
      OkHttpClient pipeline,
      OkHttpClient leasePipeline,
      CallOrigin origin,
      String userAgent,
      JsonBodyCodec jsonBodies,
      ProtobufCodec protobuf,
      ListAnswerWitness listAnswers) {
    super(pipeline);
    this.listAnswers = listAnswers;
    this.leasePipeline = leasePipeline;
    this.protobuf = protobuf;
    this.base = base;
    this.origin = origin;
    this.userAgent = userAgent;
    this.jsonBodies = jsonBodies;
    super.setBasePath(base.getBasePath());
  }

  /** Which view this is: the safe default, the consistent one, or the library's own. */
  public CallOrigin origin() {
    return origin;
  }

  @Override
  public String getBasePath() {
    return base.getBasePath();
  }

  @Override
  @SuppressWarnings("rawtypes") // client-java's own signature takes a raw ApiCallback
  public Request buildRequest(
      String baseUrl,
      String path,
      String method,
      List<Pair> queryParams,
      List<Pair> collectionQueryParams,
      Object body,
      Map<String, String> headerParams,
      Map<String, String> cookieParams,
      Map<String, Object> formParams,
      String[] authNames,
      ApiCallback callback)
      throws ApiException {
    // The body is serialized by this client (see serialize), the rest by the base client.
    Request built =
        base.buildRequest(
            baseUrl,
            path,
            method,
            queryParams,
            collectionQueryParams,
            null,
            headerParams,
            cookieParams,
            formParams,
            authNames,
            callback);
    Request.Builder b =
        built
            .newBuilder()
            .tag(CallOrigin.class, origin)
            .tag(DecodeTarget.class, new DecodeTarget());
    if (body != null) {
      // SC204 here: only now are both the caller's very object and the verb at hand.
      jsonBodies.checkUpdate(body, built);
      b.method(method, serialize(body, headerParams.get("Content-Type")));
    }
    if (userAgent != null) {
      b.header("User-Agent", userAgent);
    }
    return b.build();
  }

  /**
   * As client-java's, except that coordination Lease calls go through a dispatcher of their own: an
   * async renewal must not queue behind the user's async calls to the same host (OkHttp's default
   * is 5 per host).
   */
  @Override
  @SuppressWarnings("rawtypes") // client-java's own signature takes a raw ApiCallback
  public Call buildCall(
      String baseUrl,
      String path,
      String method,
      List<Pair> queryParams,
      List<Pair> collectionQueryParams,
      Object body,
      Map<String, String> headerParams,
      Map<String, String> cookieParams,
      Map<String, Object> formParams,
      String[] authNames,
      ApiCallback callback)
      throws ApiException {
    Request request =
        buildRequest(
            baseUrl,
            path,
            method,
            queryParams,
            collectionQueryParams,
            body,
            headerParams,
            cookieParams,
            formParams,
            authNames,
            callback);
    return (isLeasePath(path) ? leasePipeline : getHttpClient()).newCall(request);
  }

  /**
   * As client-java's; the pipeline learns what the answer is decoded into ({@link DecodeTarget}).
   */
  @Override
  public <T> ApiResponse<T> execute(Call call, Type returnType) throws ApiException {
    decodesInto(call, returnType);
    return super.execute(call, returnType);
  }

  @Override
  public <T> void executeAsync(Call call, Type returnType, ApiCallback<T> callback) {
    decodesInto(call, returnType);
    super.executeAsync(call, returnType, callback);
  }

  private static void decodesInto(Call call, Type returnType) {
    DecodeTarget target = call.request().tag(DecodeTarget.class);
    if (target != null) {
      target.decodesInto(returnType);
    }
  }

  static boolean isLeasePath(String path) {
    return path != null
        && path.startsWith("/apis/coordination.k8s.io/")
        && path.contains("/leases");
  }

  /**
   * Protobuf bodies (SC103) decode straight into the models; JSON bodies decode tolerantly (SC203),
   * keeping unknown fields for a later write.
   */
  @Override
  public <T> T deserialize(Response response, Type returnType) throws ApiException {
    T decoded;
    if (protobuf != null
        && response.body() != null
        && ProtobufCodec.isProtobuf(response.body().contentType())) {
      decoded = protobuf.decode(response, returnType, this::readAgainInJson);
    } else if (jsonBodies.decodes(returnType)) {
      decoded = jsonBodies.decode(response, returnType);
    } else {
      decoded = super.deserialize(response, returnType);
    }
    if (response.isSuccessful() && decoded instanceof JsonObject tree) {
      returnedToCaller(tree, response.request());
    }
    if (response.isSuccessful()) {
      Request sent = response.request();
      listAnswers.answered(sent.tag(KubeRequest.class), sent.url(), decoded);
    }
    return decoded;
  }

  /**
   * A JSON tree of a built-in kind goes to the caller whole. {@code GenericKubernetesApi} binds it
   * with client-java's strict Gson, which throws on a field its model lacks: at that binding those
   * are left out and kept for a PUT of the same object.
   */
  private void returnedToCaller(JsonObject tree, Request sent) {
    Class<?> model = ProtobufCodec.modelOf(string(tree, "apiVersion"), string(tree, "kind"));
    if (model != null) {
      KubeRequest k = sent.tag(KubeRequest.class);
      jsonBodies.returnedToCaller(tree, model, k == null ? null : k.requestLine());
    }
  }

  private static String string(JsonObject o, String name) {
    return o.get(name) != null && o.get(name).isJsonPrimitive() ? o.get(name).getAsString() : null;
  }

  /**
   * A single object whose Protobuf could not be decoded whole, read again in JSON through the same
   * pipeline (its group/version is now marked JSON-only, so SC103 leaves the Accept alone).
   */
  private Object readAgainInJson(Request jsonRequest, Type type) throws ApiException {
    Response response;
    try {
      response = getHttpClient().newCall(jsonRequest).execute();
    } catch (IOException e) {
      throw new ApiException(e);
    }
    try (response) {
      if (!response.isSuccessful()) {
        String body = null;
        try {
          body = response.body() == null ? null : response.body().string();
        } catch (IOException e) {
          // the status code says enough
        }
        throw new ApiException(
            response.message(), response.code(), response.headers().toMultimap(), body);
      }
      if (response.body() != null && ProtobufCodec.isProtobuf(response.body().contentType())) {
        // Asked for JSON, answered in Protobuf anyway: decode what can be, no third read.
        return protobuf.decode(response, type, null);
      }
      return deserialize(response, type);
    }
  }

  /** Writes back the unknown fields kept for this very object and the ones nested in it. */
  @Override
  public RequestBody serialize(Object obj, String contentType) throws ApiException {
    if (jsonBodies.encodes(obj, contentType)) {
      return jsonBodies.encode(obj, contentType);
    }
    return super.serialize(obj, contentType);
  }
}
