package dev.safeclient.core;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a {@link SafeClient} reads some resources from instead of the API server: a read-only relay
 * (such as safeclient-relay) that answers GET, LIST and WATCH as the API server does. Reads of the
 * relayed resources go to the relay with the relay's own token and CA; everything else (writes,
 * subresources, other resources, discovery, {@code /version}) goes to the API server. The API
 * server's credentials (its bearer token, its client certificate) are never sent to the relay, and
 * the relay's CA is never trusted for the API server.
 *
 * <p>Immutable; built with {@link #builder(URI)}.
 */
public final class RelayRoute {
  /**
   * How long the relay must have been failing before a client with {@link
   * Builder#directFallback(boolean)} goes to the API server: long enough for a relay replica's
   * restart (its readiness is "synced"), so that a rolling update never sends a fleet direct.
   */
  public static final Duration DEFAULT_FALLBACK_AFTER = Duration.ofSeconds(30);

  /**
   * Where a route's CA is read when none is named ({@link SafeClient.Builder#relay(URI,
   * String...)}, a {@link Builder} without {@code caFile}): the mount of the ConfigMap the platform
   * team publishes the relay's issuer in ({@code deploy/example/agent.yaml}). The relay's own CA,
   * not the system trust store: the relay's certificate names a Service, which no public CA issues
   * for, and trusting the relay's issuer only keeps every other CA out.
   */
  public static final Path DEFAULT_CA_FILE = Path.of("/etc/safeclient-relay-ca/ca.crt");

  /**
   * Where a route's token is read when none is named ({@link SafeClient.Builder#relay(URI,
   * String...)}, a {@link Builder} without {@code tokenFile}): the projected ServiceAccount token
   * bound to the relay's audience ({@code deploy/example/agent.yaml}). Never the pod's default
   * token ({@code /var/run/secrets/kubernetes.io/serviceaccount/token}): that one is the API
   * server's credential, which the relay could replay upstream.
   */
  public static final Path DEFAULT_TOKEN_FILE = Path.of("/var/run/secrets/safeclient-relay/token");

  // A path segment of the API: a version (v1, v1beta1, v2alpha1), a plural, a group.
  private static final Pattern VERSION =
      Pattern.compile("v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?");
  private static final Pattern PLURAL = Pattern.compile("[a-z0-9](?:[-a-z0-9]*[a-z0-9])?");
  private static final Pattern GROUP =
      Pattern.compile("[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*");

  private final URI url;
  private final byte[] caPem;
  private final Path tokenFile;
  private final List<String> resources;
  private final boolean directFallback;
  private final Duration fallbackAfter;

  private RelayRoute(Builder b) {
    this.url = b.url;
    this.caPem = b.caPem.clone();
    this.tokenFile = b.tokenFile;
    this.resources = List.copyOf(b.resources);
    this.directFallback = b.directFallback;
    this.fallbackAfter = b.fallbackAfter;
  }

  /**
   * @param url the relay's base URL, {@code https://} only: agents authenticate with a bearer token
   */
  public static Builder builder(URI url) {
    return new Builder(url);
  }

  /** A route whose CA and token are read from the files given, with the route's defaults. */
  static RelayRoute mounted(URI url, Path caFile, Path tokenFile, String... resources) {
    return builder(url)
        .caPem(mountedCa(caFile))
        .tokenFile(mountedToken(tokenFile))
        .resources(resources)
        .build();
  }

  /** The relay's CA, read now from where it is mounted; the exception says where it looked. */
  private static byte[] mountedCa(Path caFile) {
    try {
      return Files.readAllBytes(caFile);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the relay's CA is read from "
              + caFile
              + " (a ConfigMap with the relay's ca.crt, mounted there), which cannot be read ("
              + e
              + "): mount it, or name it with relay(RelayRoute.builder(url).caFile(...)...)",
          e);
    }
  }

  /** The relay's token file, readable now (it is re-read later); else where it looked. */
  private static Path mountedToken(Path tokenFile) {
    if (!Files.isReadable(tokenFile)) {
      throw new IllegalStateException(
          "the relay's token is read from "
              + tokenFile
              + " (a projected ServiceAccount token for the relay's audience, mounted there),"
              + " which cannot be read: mount it, or name it with"
              + " relay(RelayRoute.builder(url).tokenFile(...)...)");
    }
    return tokenFile;
  }

  public URI url() {
    return url;
  }

  /** The PEM certificates trusted for the relay, and for the relay only. */
  public byte[] caPem() {
    return caPem.clone();
  }

  /** The projected ServiceAccount token, bound to the relay's audience, sent to the relay. */
  public Path tokenFile() {
    return tokenFile;
  }

  /**
   * The relayed resources, as {@code group/version/plural} ({@code v1/pods} for the core group).
   */
  public List<String> resources() {
    return resources;
  }

  public boolean directFallback() {
    return directFallback;
  }

  public Duration fallbackAfter() {
    return fallbackAfter;
  }

  @Override
  public String toString() {
    return "RelayRoute[" + url + ", " + resources + ", directFallback=" + directFallback + "]";
  }

  /**
   * Builds a {@link RelayRoute}. At least one resource is required; the CA and the token file
   * default to the mounts {@link #DEFAULT_CA_FILE} and {@link #DEFAULT_TOKEN_FILE}.
   */
  public static final class Builder {
    private final URI url;
    private byte[] caPem;
    private Path tokenFile;
    private final List<String> resources = new ArrayList<>();
    private boolean directFallback;
    private Duration fallbackAfter = DEFAULT_FALLBACK_AFTER;

    private Builder(URI url) {
      Objects.requireNonNull(url, "url");
      if (!"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
        throw new IllegalArgumentException(
            "the relay's URL is https://host[:port][/path]: its token must not travel in clear");
      }
      this.url = url;
    }

    /** The relay's CA certificates, PEM. */
    public Builder caPem(byte[] pem) {
      this.caPem = Objects.requireNonNull(pem, "pem").clone();
      return this;
    }

    /** The relay's CA certificates, read now from a PEM file (a mounted Secret or ConfigMap). */
    public Builder caFile(Path pemFile) throws IOException {
      return caPem(Files.readAllBytes(pemFile));
    }

    /**
     * The token sent to the relay: a projected ServiceAccount token bound to the relay's audience,
     * re-read as client-go re-reads token files (at most once a minute, and at once on a 401).
     */
    public Builder tokenFile(Path tokenFile) {
      this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile");
      return this;
    }

    /**
     * Resources read through the relay, as {@code group/version/plural}: {@code v1/pods}, {@code
     * discovery.k8s.io/v1/endpointslices}. Only resources the relay is configured to serve.
     */
    public Builder resources(String... groupVersionPlurals) {
      for (String r : groupVersionPlurals) {
        resources.add(checkedResource(Objects.requireNonNull(r, "resource").trim()));
      }
      return this;
    }

    /**
     * A name that says one resource, in the form of its API path: a bare plural ({@code events} is
     * in {@code v1} and {@code events.k8s.io/v1}), a group without its version, a kind, a path or a
     * subresource would route nothing, or not what was meant.
     */
    private static String checkedResource(String r) {
      String[] parts = r.split("/", -1);
      String why = null;
      if (parts.length == 1) {
        why =
            "a bare name is ambiguous (events is in v1 and in events.k8s.io/v1): name its version";
      } else if (parts.length > 3 || r.startsWith("/")) {
        why = "not an API path: no /api or /apis prefix, no namespace, no subresource";
      } else if (parts.length == 3 && VERSION.matcher(parts[0]).matches()) {
        why = "a subresource is not relayed: the relay serves the objects themselves";
      } else if (!VERSION.matcher(parts[parts.length - 2]).matches()) {
        why =
            "'"
                + parts[parts.length - 2]
                + "' is not an API version (v1, v1beta1, ...): group/version/plural, or v1/plural";
      } else if (!PLURAL.matcher(parts[parts.length - 1]).matches()) {
        why = "'" + parts[parts.length - 1] + "' is not a resource's plural (lowercase: pods)";
      } else if (parts.length == 3 && !GROUP.matcher(parts[0]).matches()) {
        why = "'" + parts[0] + "' is not an API group";
      } else if (parts.length == 3 && (parts[0].equals("core") || parts[0].equals("api"))) {
        why = "the core group has no name: v1/" + parts[2];
      } else if (parts.length == 2 && !parts[0].equals("v1")) {
        why = "the core group's version is v1; another group's resource is group/version/plural";
      }
      if (why != null) {
        throw new IllegalArgumentException(
            "a relayed resource is group/version/plural (apps/v1/deployments), or version/plural"
                + " for the core group (v1/pods); '"
                + r
                + "': "
                + why);
      }
      return r;
    }

    /**
     * Whether reads go to the API server when the relay has been failing (connection errors, 5xx)
     * for {@link #fallbackAfter(Duration)} plus a per-client jitter of up to as long again, so that
     * a fleet does not fall back at once. Off by default: a relay's failure is the caller's error,
     * and the API server sees nothing; with it on, the direct reads pay the API server's budgets as
     * every other call. A relay's 429 (not synced yet) is not a failure: the client waits as told.
     */
    public Builder directFallback(boolean enabled) {
      this.directFallback = enabled;
      return this;
    }

    /** How long the relay must have been failing before a direct read, before jitter. */
    public Builder fallbackAfter(Duration after) {
      if (after.isNegative() || after.isZero()) {
        throw new IllegalArgumentException("fallbackAfter must be > 0: " + after);
      }
      this.fallbackAfter = after;
      return this;
    }

    /**
     * The route. Without {@link #caFile}/{@link #caPem}, the CA is read now from {@link
     * #DEFAULT_CA_FILE}; without {@link #tokenFile}, the token is {@link #DEFAULT_TOKEN_FILE},
     * which must be readable now.
     *
     * @throws IllegalStateException without a resource, or when a default file is not mounted
     *     (saying where it looked)
     */
    public RelayRoute build() {
      if (resources.isEmpty()) {
        throw new IllegalStateException("at least one relayed resource: resources(...)");
      }
      if (caPem == null) {
        caPem = mountedCa(DEFAULT_CA_FILE);
      }
      if (tokenFile == null) {
        tokenFile = mountedToken(DEFAULT_TOKEN_FILE);
      }
      return new RelayRoute(this);
    }
  }
}
