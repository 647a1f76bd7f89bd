package dev.safeclient.testing.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real kube-apiserver of a pinned Kubernetes release, with an etcd embedded in the same process,
 * both on loopback: the oracle that {@link dev.safeclient.testing.KubeSim} and every serving rule
 * are checked against. The binaries come from {@code realserver/} (built by the Maven profile
 * {@code real-apiserver}); {@link #available(String)} says whether one can be started here.
 *
 * <p>Three identities are set up: {@link Identity#ADMIN} ({@code system:masters}, exempt from APF),
 * {@link Identity#NODE} ({@code system:node:node-1}, authorized by the Node authorizer and limited
 * by NodeRestriction) and {@link Identity#SA_USER} (a service account's user and groups with RBAC
 * rights only, so APF seats it at {@code workload-low} like a real workload).
 *
 * <p>{@link #shared(String)} gives one server per release per JVM: starting one costs tens of
 * seconds. Tests on a shared server use their own namespace.
 */
public final class RealApiserver implements AutoCloseable {
  /** System property naming the properties file {@code <pin>=<binary>} that the profile writes. */
  public static final String BINARIES_PROPERTY = "safeclient.realserver.binaries";

  /** System property set by the profile: a missing binary is then a failure, not a skipped test. */
  public static final String REQUIRED_PROPERTY = "safeclient.realserver.required";

  // A cold start on a loaded 2-core machine (API install, RBAC bootstrap, APF config) takes
  // 20-60 s; the server itself gives up after 3 minutes.
  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  private static final Map<String, RealApiserver> SHARED = new ConcurrentHashMap<>();

  /** The identities the server's static token file holds. */
  public enum Identity {
    ADMIN("admin"),
    NODE("node"),
    SA_USER("sa-user");

    private final String key;

    Identity(String key) {
      this.key = key;
    }
  }

  /** Options for a server of one release. */
  public record Options(String featureGates, Duration progressNotifyInterval, List<String> args) {
    public Options {
      featureGates = featureGates == null ? "" : featureGates;
      progressNotifyInterval =
          progressNotifyInterval == null ? Duration.ZERO : progressNotifyInterval;
      args = List.copyOf(args);
    }

    public static Options defaults() {
      return new Options("", Duration.ZERO, List.of());
    }

    public Options withFeatureGates(String gates) {
      return new Options(gates, progressNotifyInterval, args);
    }

    /** etcd's watch progress-notify interval; zero keeps etcd's default (10 minutes). */
    public Options withProgressNotifyInterval(Duration d) {
      return new Options(featureGates, d, args);
    }

    /** Extra kube-apiserver flags, e.g. {@code --watch-cache=false}. */
    public Options withArgs(String... extra) {
      List<String> all = new ArrayList<>(args);
      all.addAll(List.of(extra));
      return new Options(featureGates, progressNotifyInterval, all);
    }
  }

  private final String pin;
  private final Process process;
  private final BufferedReader stdout;
  private final OutputStream stdin;
  private final Path log;
  private final JsonObject ready;
  private final HttpClient http;
  private final ExecutorService reader =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "realserver-stdout");
            t.setDaemon(true);
            return t;
          });

  private RealApiserver(String pin, Path binary, Options options) throws IOException {
    this.pin = pin;
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    if (!options.featureGates().isEmpty()) {
      command.add("-feature-gates=" + options.featureGates());
    }
    if (!options.progressNotifyInterval().isZero()) {
      command.add(
          "-watch-progress-notify-interval=" + options.progressNotifyInterval().toMillis() + "ms");
    }
    if (!options.args().isEmpty()) {
      command.add("--");
      command.addAll(options.args());
    }
    this.log = Files.createTempFile("realserver-" + pin + "-", ".log");
    this.process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    this.stdin = process.getOutputStream();
    this.stdout =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    try {
      line = readLine(START_TIMEOUT);
    } catch (IOException e) {
      process.destroyForcibly();
      throw e;
    }
    if (line == null) {
      throw new IOException(
          "realserver " + pin + " exited before it was ready; its log ends:\n" + logTail());
    }
    this.ready = JsonParser.parseString(line).getAsJsonObject();
    this.http = HttpClient.newBuilder().sslContext(sslContext(caPem())).build();
  }

  /** Whether a binary for {@code pin} (e.g. {@code v1.34}) is configured here, and if not why. */
  public static Availability available(String pin) {
    String file = System.getProperty(BINARIES_PROPERTY);
    if (file == null || file.isBlank()) {
      return new Availability(
          false,
          "no real kube-apiserver binaries: run with -P real-apiserver (needs Go) to build them"
              + " and set -D"
              + BINARIES_PROPERTY);
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      p.load(in);
    } catch (IOException e) {
      return new Availability(false, "cannot read " + file + ": " + e);
    }
    String binary = p.getProperty(pin);
    if (binary == null) {
      return new Availability(false, file + " names no binary for " + pin + ": " + p.keySet());
    }
    if (!Files.isExecutable(Path.of(binary))) {
      return new Availability(
          false, "realserver binary for " + pin + " is not executable: " + binary);
    }
    return new Availability(true, binary);
  }

  /** Whether {@link #available} found a binary; {@code detail} is its path or why not. */
  public record Availability(boolean ok, String detail) {}

  /** Whether the build said real servers are required (inside the profile). */
  public static boolean required() {
    return Boolean.getBoolean(REQUIRED_PROPERTY);
  }

  /** The JVM's server of release {@code pin} with default options, started on first use. */
  public static RealApiserver shared(String pin) {
    return shared(pin, Options.defaults());
  }

  /** The JVM's server of release {@code pin} with {@code options}, started on first use. */
  public static RealApiserver shared(String pin, Options options) {
    String key = pin + " " + options;
    return SHARED.computeIfAbsent(
        key,
        k -> {
          RealApiserver s = start(pin, options);
          Runtime.getRuntime()
              .addShutdownHook(new Thread(s::close, "realserver-" + pin + "-shutdown"));
          return s;
        });
  }

  /** Starts a server the caller owns (and must close). */
  public static RealApiserver start(String pin, Options options) {
    Availability a = available(pin);
    if (!a.ok()) {
      throw new IllegalStateException(a.detail());
    }
    try {
      return new RealApiserver(pin, Path.of(a.detail()), options);
    } catch (IOException e) {
      throw new UncheckedIOException("realserver " + pin + " did not start", e);
    }
  }

  /** The pinned directory this server was built from, e.g. {@code v1.34}. */
  public String pin() {
    return pin;
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String url() {
    return ready.get("url").getAsString();
  }

  /** The server's {@code /version} gitVersion, e.g. {@code v1.34.2}. */
  public String kubernetesVersion() {
    return ready.get("kubernetesVersion").getAsString();
  }

  /**
   * etcd's watch progress-notify interval as the server reports it (etcd's default, 10 minutes,
   * unless {@link Options#withProgressNotifyInterval} set one): how long a quiet resource's watch
   * cache can stay behind etcd's revision on a server that does not ask etcd for progress itself.
   */
  public Duration progressNotifyInterval() {
    return goDuration(ready.get("progressNotifyInterval").getAsString());
  }

  /** A Go {@code time.Duration} string such as {@code 10m0s} or {@code 1.5s}. */
  static Duration goDuration(String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([0-9.]+)(h|ms|m|s|us|µs|ns)").matcher(text);
    double nanos = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double n = Double.parseDouble(m.group(1));
      nanos +=
          n
              * switch (m.group(2)) {
                case "h" -> 3.6e12;
                case "m" -> 6e10;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs" -> 1e3;
                default -> 1;
              };
      end = m.end();
    }
    if (end != text.length() || text.isEmpty()) {
      throw new IllegalArgumentException("not a Go duration: " + text);
    }
    return Duration.ofNanos((long) nanos);
  }

  /** The PEM of the CA that signed the serving certificate. */
  public String caPem() {
    return ready.get("caPem").getAsString();
  }

  /** A TLS context that trusts this server's CA (and nothing else), for a raw HTTP client. */
  public SSLContext sslContext() {
    return sslContext(caPem());
  }

  /** The bearer token of {@code id}. Never log it. */
  public String token(Identity id) {
    return identity(id).get("token").getAsString();
  }

  /** The user name the server sees for {@code id}, e.g. {@code system:node:node-1}. */
  public String user(Identity id) {
    return identity(id).get("user").getAsString();
  }

  private JsonObject identity(Identity id) {
    return ready.getAsJsonObject("identities").getAsJsonObject(id.key);
  }

  /**
   * A plain client-java {@link ApiClient} for {@code id}, verifying the server against its CA, with
   * a read timeout of 0 (what {@code SharedInformerFactory} demands). Needs client-java on the
   * class path.
   */
  public ApiClient apiClient(Identity id) {
    ApiClient c =
        new ClientBuilder()
            .setBasePath(url())
            .setCertificateAuthority(caPem().getBytes(StandardCharsets.UTF_8))
            .setAuthentication(new AccessTokenAuthentication(token(id)))
            .build();
    c.setHttpClient(c.getHttpClient().newBuilder().readTimeout(Duration.ZERO).build());
    return c;
  }

  /** Writes a kubeconfig for {@code id} (owner-readable only: it holds the token). */
  public Path kubeconfig(Identity id) {
    String ca =
        java.util.Base64.getEncoder().encodeToString(caPem().getBytes(StandardCharsets.UTF_8));
    String yaml =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: realserver",
            "  cluster:",
            "    server: " + url(),
            "    certificate-authority-data: " + ca,
            "users:",
            "- name: " + id.key,
            "  user:",
            "    token: " + token(id),
            "contexts:",
            "- name: realserver",
            "  context:",
            "    cluster: realserver",
            "    user: " + id.key,
            "current-context: realserver",
            "");
    try {
      Path file = Files.createTempFile("realserver-" + pin + "-" + id.key + "-", ".kubeconfig");
      file.toFile().setReadable(false, false);
      file.toFile().setReadable(true, true);
      Files.writeString(file, yaml);
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A snapshot of the server's own {@code /metrics}, read as admin. */
  public RealServerBill bill() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url() + "/metrics"))
            .header("Authorization", "Bearer " + token(Identity.ADMIN))
            .timeout(COMMAND_TIMEOUT)
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("/metrics answered " + response.statusCode());
      }
      return RealServerBill.parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Compacts etcd's history up to its current revision (what kube-apiserver's compactor does every
   * 5 minutes) and returns that revision: older resourceVersions are then gone from etcd.
   */
  public synchronized long compact() {
    return command("compact").get("revision").getAsLong();
  }

  /** etcd's current revision. */
  public synchronized long etcdRevision() {
    return command("revision").get("revision").getAsLong();
  }

  private JsonObject command(String command) {
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      String line = readLine(COMMAND_TIMEOUT);
      if (line == null) {
        throw new IllegalStateException("realserver exited; its log ends:\n" + logTail());
      }
      JsonObject answer = JsonParser.parseString(line).getAsJsonObject();
      if (answer.has("error")) {
        throw new IllegalStateException(command + ": " + answer.get("error").getAsString());
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readLine(Duration timeout) throws IOException {
    Future<String> next = reader.submit(stdout::readLine);
    try {
      return next.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      next.cancel(true);
      throw new IOException(
          "realserver "
              + pin
              + " said nothing within "
              + timeout
              + "; its log ends:\n"
              + logTail());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause());
    }
  }

  /** The last lines of the server's log (kube-apiserver's and etcd's stderr). */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Closes the server's stdin, which makes it exit, and waits for it. */
  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // Already gone.
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    reader.shutdownNow();
    SHARED.values().remove(this);
  }

  private static SSLContext sslContext(String caPem) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry(
          "realserver-ca",
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8))));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException("cannot trust the realserver CA", e);
    }
  }

  @Override
  public String toString() {
    return "RealApiserver{" + pin + " " + Objects.toString(ready.get("kubernetesVersion")) + "}";
  }
}
