package dev.safeclient.core.auth;

import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bearer token of a kubeconfig's current user: a static token, an auth provider's, or an exec
 * plugin's (run again on refresh). Returns null for users that authenticate with client
 * certificates, which then stay the base client's.
 */
public final class KubeConfigTokenSource implements TokenSource {
  private final Path file;
  private String token;
  private boolean loaded;

  public KubeConfigTokenSource(Path file) {
    this.file = file;
  }

  @Override
  public synchronized String token() throws IOException {
    if (!loaded) {
      return refresh();
    }
    return token;
  }

  @Override
  public synchronized String refresh() throws IOException {
    KubeConfig config;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      config = KubeConfig.loadKubeConfig(r);
    }
    config.setFile(file.toFile());
    var credentials = config.getCredentials();
    token = credentials == null ? null : credentials.get(KubeConfig.CRED_TOKEN_KEY);
    loaded = true;
    return token;
  }

  @Override
  public String toString() {
    return "KubeConfigTokenSource[" + file + "]";
  }
}
