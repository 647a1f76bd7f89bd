package dev.safeclient.core.internal.auth;

import static dev.safeclient.core.internal.auth.KubeconfigFile.string;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a kubeconfig user's exec credential plugin and reads the {@code ExecCredential} it prints,
 * as client-go's {@code Authenticator.refreshCredsLocked} (plugin/pkg/client/auth/exec/exec.go)
 * does. What the plugin prints and the environment it gets are credentials: neither is logged nor
 * put in an exception message.
 */
final class ExecCredentialPlugin {
  /** v1alpha1 was removed in Kubernetes 1.24; client-go accepts only these. */
  private static final Set<String> API_VERSIONS =
      Set.of("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1");

  /** client-go's {@code execInfoEnv}: the plugin reads its request from this variable. */
  private static final String EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO";

  /** What a plugin run gave; {@code expiry} is null when the credential does not expire. */
  record Result(String token, byte[] clientCertificate, byte[] clientKey, Instant expiry) {}

  private ExecCredentialPlugin() {}

  static Result run(Map<String, Object> exec, Path kubeconfigDir, KubeconfigCluster cluster)
      throws IOException {
    String apiVersion = string(exec, "apiVersion");
    String command = string(exec, "command");
    if (apiVersion == null || !API_VERSIONS.contains(apiVersion)) {
      throw new IOException(
          "exec plugin "
              + command
              + ": apiVersion "
              + apiVersion
              + " is not one of "
              + API_VERSIONS);
    }
    if (command == null) {
      throw new IOException("exec plugin: no command");
    }
    if ("Always".equals(exec.get("interactiveMode"))) {
      throw new IOException(
          "exec plugin "
              + command
              + " asks for interactiveMode Always; safeclient runs plugins without a terminal");
    }
    List<String> argv = new ArrayList<>();
    // client-go resolves a command that names a path against the kubeconfig's directory.
    argv.add(
        command.contains("/") || command.contains("\\")
            ? kubeconfigDir.resolve(command).normalize().toString()
            : command);
    if (exec.get("args") instanceof List<?> args) {
      args.forEach(a -> argv.add(String.valueOf(a)));
    }
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (exec.get("env") instanceof List<?> env) {
      for (Object e : env) {
        if (e instanceof Map<?, ?> m && m.get("name") instanceof String name) {
          pb.environment().put(name, String.valueOf(m.get("value")));
        }
      }
    }
    pb.environment()
        .put(EXEC_INFO_ENV, execInfo(apiVersion, cluster, exec.get("provideClusterInfo")));
    // As client-go: the plugin tells its user what to do (log in again) on its own stderr.
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    byte[] out;
    int exit;
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("exec plugin " + command + " cannot be started: " + e.getMessage());
    }
    try {
      // Non-interactive: the plugin's stdin is closed at once.
      p.getOutputStream().close();
      try (InputStream in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      exit = p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while exec plugin " + command + " ran");
    }
    if (exit != 0) {
      throw new IOException(
          "exec plugin " + command + " exited with " + exit + " (its output is not shown)");
    }
    return parse(command, apiVersion, out);
  }

  private static Result parse(String command, String apiVersion, byte[] out) throws IOException {
    JsonObject status;
    try {
      JsonObject root =
          JsonParser.parseString(new String(out, StandardCharsets.UTF_8)).getAsJsonObject();
      if (!"ExecCredential".equals(text(root, "kind"))
          || !apiVersion.equals(text(root, "apiVersion"))) {
        throw new IOException(
            "exec plugin " + command + " printed no " + apiVersion + " ExecCredential");
      }
      status = root.getAsJsonObject("status");
    } catch (RuntimeException e) {
      // Gson's message quotes the output.
      throw new IOException(
          "exec plugin " + command + " printed no valid ExecCredential JSON (output not shown)");
    }
    String token = text(status, "token");
    String cert = text(status, "clientCertificateData");
    String key = text(status, "clientKeyData");
    if (token == null && (cert == null || key == null)) {
      throw new IOException(
          "exec plugin " + command + " gave neither a token nor a client certificate and key");
    }
    Instant expiry = null;
    String expiration = text(status, "expirationTimestamp");
    if (expiration != null) {
      try {
        expiry = OffsetDateTime.parse(expiration).toInstant();
      } catch (DateTimeParseException e) {
        throw new IOException(
            "exec plugin " + command + ": expirationTimestamp is not RFC 3339: " + expiration);
      }
    }
    return new Result(
        token,
        cert == null || key == null ? null : cert.getBytes(StandardCharsets.UTF_8),
        cert == null || key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        expiry);
  }

  /** The {@code ExecCredential} request client-go puts in {@code KUBERNETES_EXEC_INFO}. */
  private static String execInfo(String apiVersion, KubeconfigCluster cluster, Object withCluster) {
    JsonObject spec = new JsonObject();
    spec.addProperty("interactive", false);
    if (Boolean.TRUE.equals(withCluster)) {
      JsonObject c = new JsonObject();
      c.addProperty("server", cluster.server());
      if (cluster.tlsServerName() != null) {
        c.addProperty("tls-server-name", cluster.tlsServerName());
      }
      c.addProperty("insecure-skip-tls-verify", cluster.insecure());
      if (cluster.certificateAuthority() != null) {
        c.addProperty(
            "certificate-authority-data",
            Base64.getEncoder().encodeToString(cluster.certificateAuthority()));
      }
      spec.add("cluster", c);
    }
    JsonObject info = new JsonObject();
    info.addProperty("apiVersion", apiVersion);
    info.addProperty("kind", "ExecCredential");
    info.add("spec", spec);
    return info.toString();
  }

  private static String text(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }
}
