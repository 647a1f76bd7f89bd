package dev.safeclient.core.internal.auth;

import dev.safeclient.core.TokenSource;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * Finds this process's Kubernetes configuration the way kubectl and client-go do ({@code
 * $KUBECONFIG}, then {@code ~/.kube/config}, then the in-cluster service account) and builds a base
 * client plus a {@link TokenSource} pinned to it. Unlike client-java's {@code
 * ClientBuilder.standard()}, it never falls back to {@code http://localhost:8080}: no configuration
 * is an error.
 *
 * <p>The context is resolved once, here: the client's server and CA come from its cluster, and its
 * credentials from its user, which the source then re-reads by name ({@link
 * KubeConfigTokenSource}). The base client holds no credential of its own; the {@code SafeClient}
 * pipeline adds the token on each request, and the TLS handshake takes the client certificate the
 * source loaded last.
 */
public final class ConnectionConfig {
  static final String SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  private final ApiClient apiClient;
  private final TokenSource tokenSource;
  private final String origin;

  private ConnectionConfig(ApiClient apiClient, TokenSource tokenSource, String origin) {
    this.apiClient = apiClient;
    this.tokenSource = tokenSource;
    this.origin = origin;
  }

  /** From the process environment and the user's home. */
  public static ConnectionConfig load() throws IOException {
    return load(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        Path.of(SA_DIR),
        TimeSource.system());
  }

  static ConnectionConfig load(
      Map<String, String> env, Path home, Path serviceAccountDir, TimeSource clock)
      throws IOException {
    String kubeconfigVar = env.get("KUBECONFIG");
    if (kubeconfigVar != null && !kubeconfigVar.isBlank()) {
      for (String p : kubeconfigVar.split(File.pathSeparator)) {
        if (!p.isBlank() && Files.isReadable(Path.of(p))) {
          return fromKubeconfig(Path.of(p), null, "KUBECONFIG", clock);
        }
      }
      throw new IOException(
          "KUBECONFIG=" + kubeconfigVar + " names no readable file; not guessing another server");
    }
    Path userConfig = home.resolve(".kube").resolve("config");
    if (Files.isReadable(userConfig)) {
      return fromKubeconfig(userConfig, null, userConfig.toString(), clock);
    }
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    if (host != null && port != null && Files.isReadable(serviceAccountDir.resolve("token"))) {
      return inCluster(host, port, serviceAccountDir, clock);
    }
    throw new IOException(
        "no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a pod"
            + " with a service account. safeclient never falls back to http://localhost:8080");
  }

  /**
   * A client for one context of a kubeconfig file ({@code context} null: its current context),
   * pinned to that context's cluster and user.
   */
  public static ConnectionConfig fromKubeconfig(Path file, String context) throws IOException {
    return fromKubeconfig(file, context, file.toString(), TimeSource.system());
  }

  static ConnectionConfig fromKubeconfig(Path file, String context, String origin, TimeSource clock)
      throws IOException {
    KubeConfig config = KubeconfigFile.read(file);
    String name = context != null ? context : config.getCurrentContext();
    if (name == null || name.isBlank()) {
      throw new IOException("kubeconfig " + file + " sets no current-context");
    }
    Map<String, Object> ctx = KubeconfigFile.entry(config.getContexts(), name, "context");
    if (ctx == null || !config.setContext(name)) {
      throw new IOException("kubeconfig " + file + " has no context named '" + name + "'");
    }
    String server = config.getServer();
    if (server == null || server.isBlank()) {
      throw new IOException("kubeconfig " + file + ": context '" + name + "' names no server");
    }
    // As client-java's ClientBuilder.kubeconfig: a server without a scheme.
    if (!server.contains("://")) {
      server = (server.contains(":443") ? "https://" : "http://") + server;
    }
    server = server.replaceAll("/+$", "");
    byte[] ca =
        config.getDataOrFileRelative(
            config.getCertificateAuthorityData(), config.getCertificateAuthorityFile());
    KubeconfigCluster cluster =
        new KubeconfigCluster(server, ca, config.getTlsServerName(), !config.verifySSL());

    ClientConnections connections = new ClientConnections();
    ClientCertificateKeyManager clientCertificate =
        new ClientCertificateKeyManager(connections::closeAll);
    String user = KubeconfigFile.string(ctx, "user");
    KubeConfigTokenSource source =
        user == null
            ? null
            : new KubeConfigTokenSource(file, user, cluster, clock, clientCertificate);
    if (source != null) {
      // Reads the user now: a missing user or plugin fails here, and the first handshake has the
      // client certificate.
      source.token();
    }
    ApiClient client = build(cluster, clientCertificate, connections);
    return new ConnectionConfig(client, source, origin);
  }

  /**
   * The in-cluster client: {@code https://host:port} with the service account's CA, and its token
   * file re-read as the kubelet rotates it.
   */
  public static ConnectionConfig inCluster(String host, String port, Path serviceAccountDir)
      throws IOException {
    return inCluster(host, port, serviceAccountDir, TimeSource.system());
  }

  static ConnectionConfig inCluster(
      String host, String port, Path serviceAccountDir, TimeSource clock) throws IOException {
    String server;
    try {
      server =
          new URI("https", null, host, Integer.parseInt(port.trim()), null, null, null).toString();
    } catch (URISyntaxException | NumberFormatException e) {
      throw new IOException(
          "KUBERNETES_SERVICE_HOST/PORT " + host + ":" + port + " is not a server address");
    }
    byte[] ca = Files.readAllBytes(serviceAccountDir.resolve("ca.crt"));
    TokenFileSource source = new TokenFileSource(serviceAccountDir.resolve("token"), clock, server);
    source.token();
    KubeconfigCluster cluster = new KubeconfigCluster(server, ca, null, false);
    return new ConnectionConfig(build(cluster, null, null), source, "in-cluster");
  }

  private static ApiClient build(
      KubeconfigCluster cluster,
      ClientCertificateKeyManager clientCertificate,
      ClientConnections connections) {
    ClientBuilder b =
        new ClientBuilder().setBasePath(cluster.server()).setVerifyingSsl(!cluster.insecure());
    if (cluster.certificateAuthority() != null) {
      b.setCertificateAuthority(cluster.certificateAuthority());
    }
    if (cluster.tlsServerName() != null) {
      b.setTlsServerName(cluster.tlsServerName());
    }
    if (clientCertificate != null) {
      b.setAuthentication(c -> c.setKeyManagers(new KeyManager[] {clientCertificate}));
    }
    ApiClient client = b.build();
    if (connections != null) {
      OkHttpClient http = client.getHttpClient();
      OkHttpClient.Builder rotating = http.newBuilder().addNetworkInterceptor(connections);
      X509TrustManager trust = http.x509TrustManager();
      if (trust != null) {
        ClientTlsSocketFactory tls = new ClientTlsSocketFactory(clientCertificate, trust);
        rotating.sslSocketFactory(tls, trust);
        connections.tls(tls);
      }
      client.setHttpClient(rotating.build());
      // The SafeClient pipeline is built from this client and shares its pool.
      connections.pool(() -> client.getHttpClient().connectionPool());
    }
    return client;
  }

  public ApiClient apiClient() {
    return apiClient;
  }

  public TokenSource tokenSource() {
    return tokenSource;
  }

  /** Where the configuration came from: {@code KUBECONFIG}, a file path, or {@code in-cluster}. */
  public String origin() {
    return origin;
  }
}
