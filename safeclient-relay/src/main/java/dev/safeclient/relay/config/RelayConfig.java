package dev.safeclient.relay.config;

import dev.safeclient.relay.Relay;
import dev.safeclient.relay.RelayedResource;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * relay.yaml: what one relay process serves, where, and to whom. Immutable; {@link #read} checks
 * every key and value, and {@link #configure} hands them to {@link Relay.Builder}. The file holds
 * paths, never key material nor tokens.
 *
 * @param relaySecrets Secrets may be listed in {@code resources} (false: listing them is an error)
 * @param kubeconfig the upstream's kubeconfig; empty: the pod's ServiceAccount
 */
record RelayConfig(
    String host,
    int port,
    Path certFile,
    Path keyFile,
    String audience,
    List<RelayedResource> resources,
    boolean relaySecrets,
    Duration allowedTtl,
    Duration refusedTtl,
    int windowEvents,
    long windowBytes,
    Optional<Path> kubeconfig,
    double qps,
    int burst) {

  /** Where a kubernetes.io/tls Secret is mounted by the manifests in deploy/. */
  static final Path DEFAULT_TLS_DIR = Path.of("/etc/safeclient-relay/tls");

  static final int DEFAULT_PORT = 8443;

  static final double DEFAULT_QPS = Relay.DEFAULT_UPSTREAM_QPS;

  static final int DEFAULT_BURST = Relay.DEFAULT_UPSTREAM_BURST;

  static RelayConfig read(Path file) throws ConfigException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(r);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  static RelayConfig parse(Reader yaml) throws ConfigException {
    Object document;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      document = new Yaml(new SafeConstructor(options)).load(yaml);
    } catch (YAMLException e) {
      // SnakeYAML's message points at the line and column, and quotes only the offending token.
      throw new ConfigException("not valid YAML: " + e.getMessage());
    }
    YamlSection root = YamlSection.root(document);

    YamlSection listen = root.section("listen");
    String host = listen.string("host", "0.0.0.0");
    int port = (int) listen.number("port", DEFAULT_PORT, 0, 65535);
    listen.noOtherKeys();

    YamlSection tls = root.section("tls");
    Path cert = path(tls, "certFile", DEFAULT_TLS_DIR.resolve("tls.crt"));
    Path key = path(tls, "keyFile", DEFAULT_TLS_DIR.resolve("tls.key"));
    tls.noOtherKeys();

    String audience = root.requiredString("audience");
    boolean relaySecrets = root.bool("relaySecrets", false);

    List<RelayedResource> resources = new ArrayList<>();
    List<YamlSection> listed = root.sections("resources");
    if (listed.isEmpty()) {
      throw new ConfigException(root.path("resources") + ": at least one resource is required");
    }
    for (YamlSection s : listed) {
      resources.add(resource(s, relaySecrets, resources));
    }

    YamlSection reviews = root.section("reviewCache");
    Duration allowed = reviews.duration("allowedTtl", Relay.DEFAULT_ALLOWED_TTL);
    Duration refused = reviews.duration("refusedTtl", Relay.DEFAULT_REFUSED_TTL);
    reviews.noOtherKeys();

    YamlSection window = root.section("eventWindow");
    int events =
        (int) window.number("maxEvents", Relay.DEFAULT_WINDOW_EVENTS, 1, Integer.MAX_VALUE);
    long bytes = window.bytes("maxBytes", Relay.DEFAULT_WINDOW_BYTES);
    window.noOtherKeys();

    YamlSection upstream = root.section("upstream");
    Optional<Path> kubeconfig =
        upstream.has("kubeconfig")
            ? Optional.of(path(upstream, "kubeconfig", null))
            : Optional.empty();
    double qps = upstream.decimal("qps", DEFAULT_QPS, 1);
    int burst = (int) upstream.number("burst", DEFAULT_BURST, 1, 100_000);
    upstream.noOtherKeys();

    root.noOtherKeys();
    return new RelayConfig(
        host,
        port,
        cert,
        key,
        audience,
        List.copyOf(resources),
        relaySecrets,
        allowed,
        refused,
        events,
        bytes,
        kubeconfig,
        qps,
        burst);
  }

  private static RelayedResource resource(
      YamlSection s, boolean relaySecrets, List<RelayedResource> before) throws ConfigException {
    String group = s.string("group", "");
    String version = s.requiredString("version");
    String plural = s.requiredString("plural");
    String kind = s.requiredString("kind");
    boolean namespaced = s.requiredBool("namespaced");
    String labelSelector = s.string("labelSelector", "");
    String fieldSelector = s.string("fieldSelector", "");
    s.noOtherKeys();
    RelayedResource r;
    if (group.isEmpty() && plural.equals("secrets")) {
      if (!relaySecrets) {
        throw new ConfigException(
            s.path("plural")
                + ": Secrets are relayed only with relaySecrets: true (every agent that may read"
                + " them through the relay reads them all)");
      }
      r = RelayedResource.secrets();
    } else {
      r = RelayedResource.of(group, version, plural, kind, namespaced);
    }
    for (RelayedResource b : before) {
      if (b.group().equals(group) && b.version().equals(version) && b.plural().equals(plural)) {
        throw new ConfigException(s.path("plural") + ": " + r + " is listed twice");
      }
    }
    if (!labelSelector.isEmpty()) {
      r = r.labelSelector(labelSelector);
    }
    if (!fieldSelector.isEmpty()) {
      r = r.fieldSelector(fieldSelector);
    }
    return r;
  }

  private static Path path(YamlSection s, String key, Path orElse) throws ConfigException {
    String p = s.string(key, null);
    if (p == null) {
      return orElse;
    }
    if (p.isBlank()) {
      throw new ConfigException(s.path(key) + ": a file path is expected");
    }
    return Path.of(p);
  }

  /** This configuration on a relay builder: everything but the upstream client. */
  Relay.Builder configure(Relay.Builder b) {
    return b.listen(host, port)
        .tls(certFile, keyFile)
        .audience(audience)
        .resource(resources.toArray(RelayedResource[]::new))
        .reviewCache(allowedTtl, refusedTtl)
        .eventWindow(windowEvents, windowBytes);
  }
}
