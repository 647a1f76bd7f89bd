package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;
import dev.safeclient.core.internal.request.RequestClassifier;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.internal.rules.ListOptions;
import dev.safeclient.core.internal.server.ListDecider;
import dev.safeclient.core.internal.server.ResourceActivity;
import dev.safeclient.core.internal.server.ServerVersions;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per plain consistent LIST from the user's views, what SC101 and SC102 do with it on
 * the server at hand ({@link ListDecider}), and tags the request with the decision for the lint
 * rules and the rewriting links below. Learns the server's {@code /version} first where it is not
 * known for the host (once, and again after a reconnect). Also notes each successful write as a
 * change of its resource.
 */
public final class ListDecisionInterceptor implements Interceptor {
  /** The most of a {@code /version} answer read: 64 KiB, a hundred times a real one. */
  static final long MAX_VERSION_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ListDecisionInterceptor.class);

  private final ServerVersions versions;
  private final ResourceActivity activity;
  private final ListDecider decider;
  private final RequestClassifier classifier;
  private final HttpUrl versionUrl;
  private final SafeClientMetrics metrics;

  public ListDecisionInterceptor(
      ServerVersions versions,
      ResourceActivity activity,
      ListDecider decider,
      String basePath,
      SafeClientMetrics metrics) {
    this.versions = versions;
    this.activity = activity;
    this.decider = decider;
    this.classifier = new RequestClassifier(basePath);
    HttpUrl base = basePath == null ? null : HttpUrl.parse(basePath);
    this.versionUrl = base == null ? null : base.newBuilder().addPathSegment("version").build();
    this.metrics = metrics;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
    String host = hostKey(request.url());
    request = withServerVersion(request, versions.oldest(host));
    if (k.verb().isWrite()) {
      Response r = chain.proceed(request);
      if (r.isSuccessful()) {
        activity.changed(k.groupResource());
      }
      return r;
    }
    if (k.verb() != Verb.LIST
        || (k.origin() != CallOrigin.USER && k.origin() != CallOrigin.USER_CONSISTENT)
        || !ListOptions.isPlainConsistentList(k)) {
      return chain.proceed(request);
    }
    if (versions.needsLearning(host)) {
      versions.learnt(host, askVersion(chain, request));
      request = withServerVersion(request, versions.oldest(host));
    }
    ListDecision d = decider.decide(k, versions.oldest(host), identity(request));
    metrics.listDecision(d.outcome(), d.reason());
    log.debug("{} {}: {}", k.origin(), k.requestLine(), d);
    return chain.proceed(
        request.newBuilder().tag(KubeRequest.class, k.withListDecision(d)).build());
  }

  private Optional<ServerVersion> askVersion(Chain chain, Request caller) {
    if (versionUrl == null) {
      return Optional.empty();
    }
    HttpUrl url =
        versionUrl.newBuilder().host(caller.url().host()).port(caller.url().port()).build();
    Request get = caller.newBuilder().url(url).get().build();
    get =
        get.newBuilder()
            .tag(KubeRequest.class, classifier.classify(get, CallOrigin.LIBRARY))
            .build();
    try (Response r = chain.proceed(get)) {
      ResponseBody body = r.body();
      if (!r.isSuccessful() || body == null) {
        return Optional.empty();
      }
      // A version answer is a few hundred bytes; one past the cap is not one (a proxy's page, or a
      // server that never ends it), and is not read whole: the version stays unknown.
      okio.BufferedSource source = body.source();
      if (source.request(MAX_VERSION_BYTES + 1)) {
        return Optional.empty();
      }
      return ServerVersions.parse(source.readUtf8());
    } catch (IOException e) {
      // Not known: pass through. The caller's own request tells it whether the server is there.
      log.debug("GET {} failed: {}", url.encodedPath(), e.toString());
      return Optional.empty();
    }
  }

  /**
   * Tags the request with the oldest server version known for its host, for the links below that
   * ask which groups that server serves itself ({@code BuiltInApis}); untagged when unknown.
   */
  private static Request withServerVersion(Request request, Optional<ServerVersion> version) {
    return version.isEmpty()
        ? request
        : request.newBuilder().tag(ServerVersion.class, version.get()).build();
  }

  /** The key a host's version is learnt under ({@code ServerVersions}). */
  public static String hostKey(HttpUrl url) {
    return url.host() + ":" + url.port();
  }

  /** A digest of the credentials the request carries: never the credentials themselves. */
  static String identity(Request request) {
    String auth = request.header("Authorization");
    if (auth == null) {
      return "";
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(auth.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
