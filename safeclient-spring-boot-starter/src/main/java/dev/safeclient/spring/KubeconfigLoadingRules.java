package dev.safeclient.spring;

import dev.safeclient.core.auth.DefaultConfig;
import io.kubernetes.client.util.KubeConfig;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * Finds the cluster the way kubectl does, and never falls back to {@code http://localhost:8080} as
 * client-java's {@code ClientBuilder.standard()} does: {@code safeclient.kubeconfig}, else {@code
 * $KUBECONFIG}, else {@code ~/.kube/config}, else the in-cluster service account. When none is
 * found it throws {@link NoClusterConfigurationException} naming every place it looked at.
 *
 * <p>Variables are read through Spring's {@link Environment} (which holds the process environment
 * and system properties), so a test or an app can set them as properties.
 */
final class KubeconfigLoadingRules {
  private static final Logger log = LoggerFactory.getLogger(KubeconfigLoadingRules.class);

  /** Where the kubelet mounts the pod's service account (the same path client-go reads). */
  static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  private final Environment env;
  private final String explicitKubeconfig;
  private final String context;
  private final Path serviceAccountDir;

  KubeconfigLoadingRules(Environment env, SafeClientProperties properties) {
    this(env, properties, Path.of(SERVICE_ACCOUNT_DIR));
  }

  KubeconfigLoadingRules(Environment env, SafeClientProperties properties, Path serviceAccountDir) {
    this.env = env;
    this.explicitKubeconfig = blankToNull(properties.kubeconfig());
    this.context = blankToNull(properties.context());
    this.serviceAccountDir = serviceAccountDir;
  }

  KubernetesConnection load() {
    List<String> lookedAt = new ArrayList<>();
    if (explicitKubeconfig != null) {
      File file = new File(explicitKubeconfig);
      if (!file.isFile()) {
        throw new NoClusterConfigurationException(
            List.of("safeclient.kubeconfig=" + explicitKubeconfig + ": no such file"));
      }
      return fromKubeconfig(file);
    }
    lookedAt.add("safeclient.kubeconfig: not set");

    String kubeconfigVar = blankToNull(env.getProperty("KUBECONFIG"));
    if (kubeconfigVar == null) {
      lookedAt.add("$KUBECONFIG: not set");
    } else {
      // kubectl merges every file listed; client-java reads one. Read the first that exists and
      // say so rather than silently ignoring the rest.
      String[] paths = kubeconfigVar.split(File.pathSeparator);
      for (String path : paths) {
        File file = new File(path);
        if (!path.isBlank() && file.isFile()) {
          if (paths.length > 1) {
            log.warn(
                "$KUBECONFIG lists {} files; using only the first that exists: {}",
                paths.length,
                path);
          }
          return fromKubeconfig(file);
        }
        lookedAt.add("$KUBECONFIG entry " + path + ": no such file");
      }
    }

    String home = blankToNull(env.getProperty("HOME"));
    if (home == null) {
      home = blankToNull(env.getProperty("user.home"));
    }
    if (home == null) {
      lookedAt.add("~/.kube/config: no home directory ($HOME and user.home unset)");
    } else {
      File file = new File(new File(home, ".kube"), "config");
      if (file.isFile()) {
        return fromKubeconfig(file);
      }
      lookedAt.add(file + ": no such file");
    }

    String host = blankToNull(env.getProperty("KUBERNETES_SERVICE_HOST"));
    String port = blankToNull(env.getProperty("KUBERNETES_SERVICE_PORT"));
    Path token = serviceAccountDir.resolve("token");
    Path ca = serviceAccountDir.resolve("ca.crt");
    if (host == null || port == null) {
      lookedAt.add(
          "in-cluster: $KUBERNETES_SERVICE_HOST/$KUBERNETES_SERVICE_PORT not set (not in a pod)");
    } else if (!Files.isReadable(token) || !Files.isReadable(ca)) {
      lookedAt.add(
          "in-cluster: "
              + token
              + " or "
              + ca
              + " not readable (is automountServiceAccountToken false?)");
    } else {
      return inCluster(host, port, serviceAccountDir);
    }
    throw new NoClusterConfigurationException(lookedAt);
  }

  private KubernetesConnection fromKubeconfig(File file) {
    try (Reader reader = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
      KubeConfig kc = KubeConfig.loadKubeConfig(reader);
      if (context != null && !kc.setContext(context)) {
        throw new NoClusterConfigurationException(
            List.of(file + ": has no context named '" + context + "' (safeclient.context)"));
      }
      if (kc.getServer() == null) {
        throw new NoClusterConfigurationException(
            List.of(file + ": its current context names no cluster server"));
      }
      log.info("Kubernetes configuration from {} (server {})", file, kc.getServer());
      // Core resolves the context once and pins the client's credentials to that context's user
      // and server: a later current-context switch never sends them elsewhere, so refresh stays
      // on whether or not safeclient.context chose the context.
      DefaultConfig found = DefaultConfig.fromKubeconfig(file.toPath(), context);
      return new KubernetesConnection(found.apiClient(), found.tokenSource(), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read kubeconfig " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      if (e instanceof NoClusterConfigurationException) {
        throw e;
      }
      // A YAML parser's message quotes the file, which may hold credentials.
      throw new UncheckedIOException(
          new IOException(
              "kubeconfig "
                  + file
                  + " is not a valid kubeconfig ("
                  + e.getClass().getSimpleName()
                  + ")"));
    }
  }

  private static KubernetesConnection inCluster(String host, String port, Path dir) {
    try {
      log.info("Kubernetes configuration from the in-cluster service account ({}:{})", host, port);
      // The token file is re-read every minute and on a 401, as the kubelet rotates it.
      DefaultConfig found = DefaultConfig.inCluster(host, port, dir);
      return new KubernetesConnection(found.apiClient(), found.tokenSource(), "in-cluster");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the service account at " + dir, e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
