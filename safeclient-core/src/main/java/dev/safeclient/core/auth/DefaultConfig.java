package dev.safeclient.core.auth;

import dev.safeclient.core.TokenSource;
import dev.safeclient.core.internal.auth.ConnectionConfig;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A base {@link ApiClient} and its {@link TokenSource}, from a kubeconfig or the in-cluster service
 * account, for {@code SafeClient.builder(config.apiClient()).tokenSource(config.tokenSource())}.
 * The context is resolved once: the client's server and CA come from its cluster, its credentials
 * from its user, which the source re-reads by name (every minute, and on a 401). Never falls back
 * to {@code http://localhost:8080}: no configuration is an {@link IOException}.
 */
public final class DefaultConfig {
  private final ConnectionConfig loaded;

  private DefaultConfig(ConnectionConfig loaded) {
    this.loaded = loaded;
  }

  /** {@code $KUBECONFIG}, else {@code ~/.kube/config}, else the in-cluster service account. */
  public static DefaultConfig load() throws IOException {
    return new DefaultConfig(ConnectionConfig.load());
  }

  /**
   * The named context of a kubeconfig file, or its current context when {@code context} is null.
   */
  public static DefaultConfig fromKubeconfig(Path file, String context) throws IOException {
    return new DefaultConfig(ConnectionConfig.fromKubeconfig(file, context));
  }

  /** The in-cluster service account: the API server at host:port, the token and CA in the dir. */
  public static DefaultConfig inCluster(String host, String port, Path serviceAccountDir)
      throws IOException {
    return new DefaultConfig(ConnectionConfig.inCluster(host, port, serviceAccountDir));
  }

  public ApiClient apiClient() {
    return loaded.apiClient();
  }

  public TokenSource tokenSource() {
    return loaded.tokenSource();
  }

  /** Where the configuration came from: {@code KUBECONFIG}, a file path, or {@code in-cluster}. */
  public String origin() {
    return loaded.origin();
  }
}
