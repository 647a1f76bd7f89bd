package dev.safeclient.core.auth;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds this process's Kubernetes configuration the way kubectl and client-go do ({@code
 * $KUBECONFIG}, then {@code ~/.kube/config}, then the in-cluster service account) and builds a base
 * client plus a {@link TokenSource} that can refresh it. Unlike client-java's {@code
 * ClientBuilder.standard()}, it never falls back to {@code http://localhost:8080}: no configuration
 * is an error.
 */
public final class DefaultConfig {
  static final String SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  private final ApiClient apiClient;
  private final TokenSource tokenSource;
  private final String origin;

  private DefaultConfig(ApiClient apiClient, TokenSource tokenSource, String origin) {
    this.apiClient = apiClient;
    this.tokenSource = tokenSource;
    this.origin = origin;
  }

  /** From the process environment and the user's home. */
  public static DefaultConfig load() throws IOException {
    return load(System.getenv(), Path.of(System.getProperty("user.home")), Path.of(SA_DIR));
  }

  static DefaultConfig load(Map<String, String> env, Path home, Path serviceAccountDir)
      throws IOException {
    String kubeconfigVar = env.get("KUBECONFIG");
    if (kubeconfigVar != null && !kubeconfigVar.isBlank()) {
      for (String p : kubeconfigVar.split(File.pathSeparator)) {
        if (!p.isBlank() && Files.isReadable(Path.of(p))) {
          return fromKubeConfig(Path.of(p), "KUBECONFIG");
        }
      }
      throw new IOException(
          "KUBECONFIG=" + kubeconfigVar + " names no readable file; not guessing another server");
    }
    Path userConfig = home.resolve(".kube").resolve("config");
    if (Files.isReadable(userConfig)) {
      return fromKubeConfig(userConfig, userConfig.toString());
    }
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    Path token = serviceAccountDir.resolve("token");
    if (host != null && port != null && Files.isReadable(token)) {
      ApiClient client = ClientBuilder.cluster().build();
      return new DefaultConfig(client, new TokenFileSource(token), "in-cluster");
    }
    throw new IOException(
        "no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a pod"
            + " with a service account. safeclient never falls back to http://localhost:8080");
  }

  private static DefaultConfig fromKubeConfig(Path file, String origin) throws IOException {
    KubeConfig config;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      config = KubeConfig.loadKubeConfig(r);
    }
    config.setFile(file.toFile());
    if (config.getServer() == null || config.getServer().isBlank()) {
      throw new IOException("kubeconfig " + file + ": the current context names no cluster server");
    }
    ApiClient client = ClientBuilder.kubeconfig(config).build();
    return new DefaultConfig(client, new KubeConfigTokenSource(file), origin);
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
