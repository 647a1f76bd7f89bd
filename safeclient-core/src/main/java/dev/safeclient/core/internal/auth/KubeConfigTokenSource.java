package dev.safeclient.core.internal.auth;

import static dev.safeclient.core.internal.auth.KubeconfigFile.string;

import dev.safeclient.core.CredentialsUnavailableException;
import dev.safeclient.core.TokenSource;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of one kubeconfig user for one server, pinned to what the client was built with:
 * the user entry (by its name, not by a context) and the cluster's server and CA. Switching the
 * kubeconfig's current context, or pointing a context at another user, changes nothing here; a
 * credential read for this user is only sent to this server (see {@link #server()}).
 *
 * <p>Reads the user's bearer token (its {@code tokenFile}, {@code token}, exec plugin or auth
 * provider, in client-go's order) and client certificate and key (files or inline data, or the exec
 * plugin's). The kubeconfig and the files it names are re-read every {@link #REREAD_PERIOD} and on
 * a 401, which costs no API request; an exec plugin is run again only when its credential is about
 * to expire, when its configuration changed, or on a 401. A changed client certificate closes the
 * client's connections, so that the next request presents the new one.
 *
 * <p>When the kubeconfig no longer holds the user, every call fails with {@link
 * CredentialsUnavailableException} and nothing is sent.
 */
public final class KubeConfigTokenSource implements TokenSource {
  private static final Logger log = LoggerFactory.getLogger(KubeConfigTokenSource.class);

  /**
   * client-go's {@code NewCachedFileTokenSource} period (transport/token_source.go): half the time
   * between the kubelet rotating a projected token (at 80% of its hour) and the token expiring.
   * Client certificates are re-read with it; client-go polls them every 5 minutes ({@code
   * CertCallbackRefreshDuration}), but reading a few local files a minute costs nothing next to one
   * API request.
   */
  static final Duration REREAD_PERIOD = Duration.ofMinutes(1);

  /**
   * An exec credential is renewed this long before its {@code expirationTimestamp}: client-go's
   * {@code cachingTokenSource} leeway. Covers a few seconds of clock skew and the time a request
   * spends before the server checks its token.
   */
  static final Duration EXPIRY_LEEWAY = Duration.ofSeconds(10);

  private final Path file;
  private final String user;
  private final KubeconfigCluster cluster;
  private final TimeSource clock;
  private final Clock wallClock;
  private final ClientCertificateKeyManager clientCertificate;

  // Guarded by this.
  private boolean loaded;
  private long readAtNanos;
  private String token;
  private Map<String, Object> execConfig;
  private ExecCredentialPlugin.Result exec;

  KubeConfigTokenSource(
      Path file,
      String user,
      KubeconfigCluster cluster,
      TimeSource clock,
      ClientCertificateKeyManager clientCertificate) {
    this.file = file.toAbsolutePath();
    this.user = Objects.requireNonNull(user, "user");
    this.cluster = cluster;
    this.clock = clock;
    this.wallClock = clock.asJavaClock();
    this.clientCertificate = clientCertificate;
  }

  /** The kubeconfig user whose credentials these are. */
  public String user() {
    return user;
  }

  @Override
  public String server() {
    return cluster.server();
  }

  @Override
  public synchronized String token() throws IOException {
    if (loaded && clock.nanoTime() - readAtNanos < REREAD_PERIOD.toNanos() && !execExpiring()) {
      return token;
    }
    try {
      read(false);
    } catch (CredentialsUnavailableException e) {
      throw e;
    } catch (IOException e) {
      if (!loaded || execExpired()) {
        throw e;
      }
      // As client-go's cachingTokenSource: a failed re-read keeps what still works, and the next
      // period tries again.
      readAtNanos = clock.nanoTime();
      log.warn(
          "Cannot re-read the credentials of kubeconfig user '{}'; keeping the current ones: {}",
          user,
          e.getMessage());
    }
    return token;
  }

  @Override
  public synchronized String refresh() throws IOException {
    read(true);
    return token;
  }

  private boolean execExpiring() {
    return exec != null
        && exec.expiry() != null
        && !wallClock.instant().isBefore(exec.expiry().minus(EXPIRY_LEEWAY));
  }

  private boolean execExpired() {
    return exec != null && exec.expiry() != null && !wallClock.instant().isBefore(exec.expiry());
  }

  /** Re-reads this user; {@code rejected}: the server refused the current credentials. */
  private void read(boolean rejected) throws IOException {
    KubeConfig config;
    try {
      config = KubeconfigFile.read(file);
    } catch (IOException e) {
      if (rejected) {
        loaded = false;
      }
      throw e;
    }
    Map<String, Object> entry = KubeconfigFile.entry(config.getUsers(), user, "user");
    if (entry == null) {
      loaded = false;
      token = null;
      exec = null;
      execConfig = null;
      clientCertificate.update(null, null);
      throw new CredentialsUnavailableException(
          "kubeconfig "
              + file
              + " no longer holds user '"
              + user
              + "', whose credentials this client sends to "
              + cluster.server()
              + "; sending none. Build a new client for another user or context");
    }
    Path dir = file.getParent();
    byte[] cert =
        dataOrFile(entry, "client-certificate-data", "client-certificate", dir, "certificate");
    byte[] key = dataOrFile(entry, "client-key-data", "client-key", dir, "key");
    String bearer;
    String tokenFile = string(entry, "tokenFile");
    // client-go's order: a token file wins over a token (NewBearerAuthWithRefreshRoundTripper),
    // a token over an exec plugin (exec's roundTripper leaves a set Authorization alone).
    if (tokenFile != null) {
      bearer = TokenFileSource.read(dir.resolve(tokenFile));
    } else if (string(entry, "token") != null) {
      bearer = string(entry, "token").trim();
    } else if (entry.get("exec") instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> execMap = (Map<String, Object>) m;
      ExecCredentialPlugin.Result r = exec(execMap, dir, rejected);
      bearer = r.token();
      if (cert == null && key == null) {
        cert = r.clientCertificate();
        key = r.clientKey();
      }
    } else if (entry.get("auth-provider") != null) {
      bearer = authProviderToken(config, entry);
    } else {
      bearer = null;
    }
    if (entry.get("exec") == null) {
      exec = null;
      execConfig = null;
    }
    clientCertificate.update(cert, key);
    token = bearer == null || bearer.isEmpty() ? null : bearer;
    loaded = true;
    readAtNanos = clock.nanoTime();
  }

  private ExecCredentialPlugin.Result exec(Map<String, Object> config, Path dir, boolean rejected)
      throws IOException {
    if (rejected || exec == null || !config.equals(execConfig) || execExpiring()) {
      exec = ExecCredentialPlugin.run(config, dir, cluster);
      execConfig = config;
    }
    return exec;
  }

  /**
   * A legacy auth provider (oidc, or one registered with client-java's {@code
   * KubeConfig.registerAuthenticator}), run by client-java on a kubeconfig that holds only this
   * user and the pinned cluster: it cannot reach another entry.
   */
  private String authProviderToken(KubeConfig config, Map<String, Object> entry)
      throws IOException {
    List<Object> contexts = new ArrayList<>();
    contexts.add(
        Map.of("name", "pinned", "context", Map.of("cluster", "pinned", "user", "pinned")));
    List<Object> clusters = new ArrayList<>();
    clusters.add(Map.of("name", "pinned", "cluster", Map.of("server", cluster.server())));
    List<Object> users = new ArrayList<>();
    users.add(Map.of("name", "pinned", "user", entry));
    KubeConfig only =
        new KubeConfig(
            new ArrayList<>(contexts), new ArrayList<>(clusters), new ArrayList<>(users));
    only.setFile(file.toFile());
    only.setContext("pinned");
    Map<String, String> credentials = only.getCredentials();
    String t = credentials == null ? null : credentials.get(KubeConfig.CRED_TOKEN_KEY);
    if (t == null) {
      throw new IOException(
          "kubeconfig " + file + ", user '" + user + "': its auth-provider gave no token");
    }
    return t.trim();
  }

  private static byte[] dataOrFile(
      Map<String, Object> entry, String dataKey, String fileKey, Path dir, String what)
      throws IOException {
    String data = string(entry, dataKey);
    if (data != null) {
      try {
        return Base64.getMimeDecoder().decode(data);
      } catch (IllegalArgumentException e) {
        throw new IOException(dataKey + " is not base64");
      }
    }
    String path = string(entry, fileKey);
    if (path == null) {
      return null;
    }
    Path resolved = dir.resolve(path);
    try {
      return Files.readAllBytes(resolved);
    } catch (IOException e) {
      throw new IOException("client " + what + " file " + resolved + " cannot be read: " + e);
    }
  }

  @Override
  public String toString() {
    return "KubeConfigTokenSource[" + file + ", user " + user + " at " + cluster.server() + "]";
  }
}
