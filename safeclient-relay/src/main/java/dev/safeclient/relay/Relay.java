package dev.safeclient.relay;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.RawFeed;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.relay.internal.FeedToCache;
import dev.safeclient.relay.internal.FlowControl;
import dev.safeclient.relay.internal.RelayServer;
import dev.safeclient.relay.internal.RequestGate;
import dev.safeclient.relay.internal.ResourceSpec;
import dev.safeclient.relay.internal.ReviewGate;
import dev.safeclient.relay.internal.SafeClientReviews;
import dev.safeclient.relay.internal.SafeClientUpstream;
import dev.safeclient.relay.internal.ServingCertificate;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A read-only relay that agents read from as if it were the API server: GET, LIST and WATCH of the
 * configured resources, on the API server's paths and query parameters, answered from one cache per
 * resource that one upstream list and watch (a safeclient reflector) keep. The API server sees one
 * watch per resource per relay, whatever the number of agents. Objects are served as the bytes the
 * API server sent, never re-encoded.
 *
 * <p>The resourceVersion rules are the apiserver's watch cache's, and never go back in time: a read
 * at an RV the relay has reached is served from its cache; one ahead of it waits up to 3 s, then
 * gets 504 ResourceVersionTooLarge with {@code Retry-After: 1}; a consistent read (RV unset) is
 * coalesced with the others of its 100 ms into one upstream {@code limit=1} probe; {@code
 * resourceVersionMatch=Exact}, the legacy RV + {@code limit} and continue tokens read a snapshot at
 * their RV or get 410; a watch resumes inside the event window, and gets 410 outside it. Until it
 * has synced the relay answers 429 with {@code Retry-After}, never an empty list; when its upstream
 * fails it keeps serving its last state, marked stale in {@link #health()}.
 *
 * <p><b>Security: nobody reads through the relay what they could not read from the API server.</b>
 * Agents present a bearer token bound to the relay's {@link Builder#audience audience} (a projected
 * ServiceAccount token); the relay checks it with one TokenReview for that audience and refuses
 * (401) a token without one, a token the API server does not authenticate for it, and a token for
 * the API server's own audience, which the relay could replay upstream. It authorizes each request
 * with one SubjectAccessReview that carries the request's field and label selectors, so
 * selector-based rules such as the node authorizer's apply (403 otherwise, as the API server
 * answers). A watch is authorized once, at its start, as the API server's. Both answers are cached
 * briefly ({@link #DEFAULT_ALLOWED_TTL}, {@link #DEFAULT_REFUSED_TTL}). Client-certificate
 * identities are not supported, and there is no anonymous access. The relay's ServiceAccount needs
 * list and watch on the relayed resources and {@code system:auth-delegator}, nothing else. It
 * serves HTTPS from mounted PEM files ({@link Builder#tls}), reloaded when they change; plain HTTP
 * and unauthenticated serving exist only behind test flags.
 *
 * <p><b>Per-identity fairness</b>, as one priority level of the apiserver's API Priority and
 * Fairness: {@link Builder#fairness seats} bound the requests served at once (reads, and watches
 * until they are established) and, in a level of their own, the authentications (TokenReviews) in
 * progress; each identity waits for a seat in its own bounded queue, and a freed seat goes to the
 * waiting identity that holds the fewest, round-robin. A read that waits for its read point (a
 * consistent read's coalesced probe, or the cache reaching a requested resourceVersion) waits
 * without a seat, which it takes again in its identity's queue to build and write its answer: so
 * all the consistent reads arriving within one window share one probe, however many seats there
 * are. Each identity may have as many reads waiting for their read point as its queue length. An
 * identity is the authenticated user, and the pod of a pod-bound ServiceAccount token (the agents
 * of one DaemonSet share their ServiceAccount); before authentication it is the client's address,
 * so that a flood of bad tokens waits in its own queue for its TokenReviews. A request whose
 * identity's queue is full, or that waited too long, gets the apiserver's 429 with {@code
 * Retry-After}, and so does a watch beyond its identity's {@link Builder#watchesPerIdentity cap};
 * {@link RelayHealth#flowControl()} counts them.
 */
public final class Relay implements AutoCloseable {
  /**
   * The event window's default bound in events: the apiserver's watch cache's upper bound ({@code
   * defaultUpperBoundCapacity}, 100 × 1024).
   */
  public static final int DEFAULT_WINDOW_EVENTS = 100 * 1024;

  /**
   * The event window's default bound in bytes: a window also holds each change's previous object,
   * and pods run to 5–10 kB of JSON, so 100 k events could pin a gigabyte. 128 MiB keeps some
   * 10,000 pod changes (minutes of churn in a 5,000-node cluster, for agents resuming after a blip)
   * in a Deployment's ordinary memory limit.
   */
  public static final long DEFAULT_WINDOW_BYTES = 128L << 20;

  /**
   * How long an authenticated token and an allowed request stay trusted without asking again. The
   * API server's webhook defaults are 2 min (authentication) and 5 min (authorization allowed); a
   * relay serves its agents' reads, which are mostly long watches authorized once at their start,
   * so its reviews cost little and a shorter minute bounds how long a deleted pod's token or a
   * removed RoleBinding keeps reading through it. (An aggregated API server's delegating
   * authenticator and authorizer keep 10 s; at that TTL an agent whose list is held back by the
   * relay's 429s while it syncs is reviewed again on each retry: 305 TokenReviews instead of 200 at
   * the start of the 200-node rehearsal.)
   */
  public static final Duration DEFAULT_ALLOWED_TTL = Duration.ofMinutes(1);

  /**
   * How long a refused token and a denied request stay refused: the webhook authorizer's denied TTL
   * is 30 s; 10 s lets an agent whose RBAC was just granted read soon after, while a misconfigured
   * agent retrying in a loop still costs the API server one review per 10 s.
   */
  public static final Duration DEFAULT_REFUSED_TTL = Duration.ofSeconds(10);

  /**
   * The request rate of the relay's upstream client: 200 a second, burst 400, what kube-apiserver
   * gives the clients of its delegating authenticator and authorizer ("set high qps/burst limits
   * since this will effectively limit API server responsiveness", k8s.io/apiserver
   * pkg/server/options). The relay's own lists and watches are a handful; the rest are TokenReviews
   * and SubjectAccessReviews, and after a relay restart its agents' arrive together: about 5,000
   * for 1,700 agents, which client-go's 5 a second would queue for over a quarter of an hour, past
   * every review's 10 s deadline.
   */
  public static final double DEFAULT_UPSTREAM_QPS = 200;

  /** See {@link #DEFAULT_UPSTREAM_QPS}. */
  public static final int DEFAULT_UPSTREAM_BURST = 400;

  /**
   * Requests served at once, and as many authentications in their own level: each a quarter of the
   * relay's 200 HTTP threads, so that a request given a seat finds a thread for its TokenReview or
   * its encoding while the other half write watch events, finish reads that waited for the cache
   * and accept connections.
   */
  public static final int DEFAULT_SEATS = FlowControl.Limits.DEFAULTS.seats();

  /**
   * Requests one identity may have waiting for a seat: the {@code queueLengthLimit} of APF's
   * bootstrap priority levels. As many again may wait, seatless, for their read point: an agent has
   * a read or two out at a time, and a read parked there costs a future as a queued one does.
   */
  public static final int DEFAULT_QUEUE_LENGTH = FlowControl.Limits.DEFAULTS.queueLength();

  /**
   * How long a request may wait for its seat: APF's default request wait limit, a quarter of the
   * apiserver's 60 s request timeout.
   */
  public static final Duration DEFAULT_QUEUE_WAIT = FlowControl.Limits.DEFAULTS.queueWait();

  /**
   * Watches one identity may have open. An agent watches once per informer and replaces a watch
   * rather than adds one, so a hundred is room for any agent, and far below what one that leaks
   * watches would pin in the relay's memory and event fan-out.
   */
  public static final int DEFAULT_WATCHES_PER_IDENTITY = FlowControl.Limits.DEFAULTS.watches();

  private final List<RelayedResource> resources;
  private final ReviewGate reviews;
  private final RelayServer server;
  private final ServingCertificate certificate;
  private final SafeInformerFactory factory;
  private final Map<String, RawFeed> feeds = new LinkedHashMap<>();
  private boolean started;

  private Relay(Builder b) {
    this.resources = List.copyOf(b.resources);
    List<ResourceSpec> specs = new ArrayList<>();
    for (RelayedResource r : resources) {
      specs.add(r.spec);
    }
    this.certificate =
        b.certFile == null ? null : ServingCertificate.load(b.certFile, b.keyFile, b.clock);
    this.reviews =
        b.unauthenticatedForTests
            ? null
            : new ReviewGate(
                new SafeClientReviews(b.upstream), b.audience, b.allowedTtl, b.refusedTtl, b.clock);
    this.server =
        new RelayServer(
            specs,
            new SafeClientUpstream(b.upstream),
            b.clock,
            reviews == null ? RequestGate.OPEN : reviews,
            b.host,
            b.port,
            b.windowEvents,
            b.windowBytes,
            certificate == null ? null : certificate.tls(),
            new FlowControl.Limits(b.seats, b.queueLength, b.queueWait, b.watchesPerIdentity));
    if (b.readHeaderTimeout != null) {
      server.readHeaderTimeoutForTests(b.readHeaderTimeout);
    }
    this.factory = new SafeInformerFactory(b.upstream, b.clock);
  }

  /**
   * A relay reading from the API server through {@code upstream}, which also sends its TokenReviews
   * and SubjectAccessReviews: build it with {@link #DEFAULT_UPSTREAM_QPS} and {@link
   * #DEFAULT_UPSTREAM_BURST} (the relay's main does), or a start of a few thousand agents waits on
   * client-go's 5 a second and their reviews time out.
   */
  public static Builder builder(SafeClient upstream) {
    return new Builder(upstream);
  }

  /** Starts serving and starts each resource's upstream feed; returns at once. */
  public synchronized Relay start() {
    if (started) {
      return this;
    }
    started = true;
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("the relay could not listen", e);
    }
    if (certificate != null) {
      certificate.start();
    }
    for (RelayedResource r : resources) {
      InformerOptions.Builder o =
          InformerOptions.builder()
              .startJitter(Duration.ZERO)
              .labelSelector(r.labelSelector().isEmpty() ? null : r.labelSelector())
              .fieldSelector(r.fieldSelector().isEmpty() ? null : r.fieldSelector());
      RawFeed feed =
          factory.rawFeed(
              r.group(),
              r.version(),
              r.plural(),
              o.build(),
              new FeedToCache(r.spec, server.feed(r.spec)));
      feeds.put(r.spec.toString(), feed);
      feed.start();
    }
    return this;
  }

  /** Where agents send their reads: the base URL, as they would the API server's. */
  public URI url() {
    return server.url();
  }

  /** Synced, stale, and what each resource holds. */
  public RelayHealth health() {
    List<RelayHealth.Resource> out = new ArrayList<>();
    for (RelayServer.ResourceState s : server.health()) {
      RawFeed feed = feeds.get(s.resource());
      // Stale: synced, and the upstream watch that would confirm the state is down.
      Optional<String> reason = Optional.empty();
      boolean stale = false;
      if (feed != null && s.synced()) {
        InformerHealth h = feed.health();
        if (!h.watchConnected()) {
          stale = true;
          reason = Optional.of("upstream watch down for " + h.staleness());
        }
      }
      out.add(
          new RelayHealth.Resource(
              s.resource(),
              s.synced(),
              stale,
              reason,
              s.resourceVersion(),
              s.objects(),
              s.windowEvents(),
              s.windowBytes(),
              s.watchers(),
              s.relists(),
              s.probes(),
              s.consistentLists(),
              Optional.ofNullable(s.jsonOnlyBecause())));
    }
    FlowControl f = server.flowControl();
    return new RelayHealth(
        out,
        reviews == null ? 0 : reviews.tokenReviews(),
        reviews == null ? 0 : reviews.subjectAccessReviews(),
        new RelayHealth.FlowControl(
            f.executing(), f.queued(), f.waitingReads(), f.rejectedRequests(), f.rejectedWatches()),
        certificate == null ? Optional.empty() : certificate.problem());
  }

  /**
   * Stops the feeds and the server; open watches end cleanly. The SafeClient stays the caller's.
   */
  @Override
  public synchronized void close() {
    if (reviews != null) {
      reviews.closing();
    }
    if (certificate != null) {
      certificate.close();
    }
    factory.close();
    server.close();
  }

  /** Builds a {@link Relay}. */
  public static final class Builder {
    private final SafeClient upstream;
    private final List<RelayedResource> resources = new ArrayList<>();
    private TimeSource clock = TimeSource.system();
    private String host = "127.0.0.1";
    private int port;
    private boolean plainHttpForTests;
    private boolean unauthenticatedForTests;
    private Path certFile;
    private Path keyFile;
    private String audience;
    private Duration allowedTtl = DEFAULT_ALLOWED_TTL;
    private Duration refusedTtl = DEFAULT_REFUSED_TTL;
    private int windowEvents = DEFAULT_WINDOW_EVENTS;
    private long windowBytes = DEFAULT_WINDOW_BYTES;
    private int seats = DEFAULT_SEATS;
    private int queueLength = DEFAULT_QUEUE_LENGTH;
    private Duration queueWait = DEFAULT_QUEUE_WAIT;
    private int watchesPerIdentity = DEFAULT_WATCHES_PER_IDENTITY;
    private Duration readHeaderTimeout;

    private Builder(SafeClient upstream) {
      this.upstream = Objects.requireNonNull(upstream, "upstream");
    }

    /** Adds resources to relay; each gets one upstream list and watch. */
    public Builder resource(RelayedResource... r) {
      for (RelayedResource x : r) {
        for (RelayedResource y : resources) {
          if (y.spec.group().equals(x.spec.group())
              && y.spec.version().equals(x.spec.version())
              && y.spec.plural().equals(x.spec.plural())) {
            throw new IllegalArgumentException("relayed twice: " + x);
          }
        }
        resources.add(x);
      }
      return this;
    }

    /** The clock of waits, bookmarks, watch timeouts and the upstream feeds' backoff. */
    public Builder clock(TimeSource clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Where to listen; {@code 127.0.0.1} and a free port by default. Port 0: a free port. */
    public Builder listen(String host, int port) {
      this.host = Objects.requireNonNull(host);
      this.port = port;
      return this;
    }

    /**
     * Serves HTTPS with the certificate chain in {@code certFile} (PEM, leaf first) and its private
     * key in {@code keyFile} (PEM PKCS#8, RSA or EC): the {@code tls.crt} and {@code tls.key} of a
     * mounted kubernetes.io/tls Secret. Read at {@link #build()}, which throws {@link
     * IllegalArgumentException} for a pair it cannot serve, then every 30 s while the relay runs: a
     * renewed valid pair serves new connections (open ones and their watches go on), and a renewed
     * pair that is not valid (half written, a key that is not the certificate's) is not loaded: the
     * relay keeps serving the pair it has and says why in {@link RelayHealth#certificateProblem()}
     * and its log.
     */
    public Builder tls(Path certFile, Path keyFile) {
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      return this;
    }

    /** Serves plain HTTP: for tests only. Without it the relay needs {@link #tls}. */
    public Builder plainHttpForTests(boolean plainHttpForTests) {
      this.plainHttpForTests = plainHttpForTests;
      return this;
    }

    /**
     * The relay's audience: agents present projected ServiceAccount tokens bound to it (a {@code
     * serviceAccountToken} volume source with this {@code audience}), and the relay accepts a token
     * only if a TokenReview for this audience authenticates it. Never the API server's own
     * audience: a token the relay accepted must be one it could not replay upstream. Required
     * unless {@link #unauthenticatedForTests}.
     */
    public Builder audience(String audience) {
      if (audience == null || audience.isBlank()) {
        throw new IllegalArgumentException("the relay's audience is a non-blank string");
      }
      this.audience = audience;
      return this;
    }

    /**
     * Serves every request without authentication nor authorization: for tests of other things
     * only. Authentication is on otherwise.
     */
    public Builder unauthenticatedForTests(boolean unauthenticatedForTests) {
      this.unauthenticatedForTests = unauthenticatedForTests;
      return this;
    }

    /**
     * How long review answers are cached: {@code allowed} for an authenticated token and an allowed
     * request, {@code refused} for a refused token and a denied request. Defaults {@link
     * #DEFAULT_ALLOWED_TTL} and {@link #DEFAULT_REFUSED_TTL}. Upstream failures are never cached.
     */
    public Builder reviewCache(Duration allowed, Duration refused) {
      if (allowed.isNegative() || refused.isNegative()) {
        throw new IllegalArgumentException("a cache TTL is not negative");
      }
      this.allowedTtl = allowed;
      this.refusedTtl = refused;
      return this;
    }

    /**
     * The event window's bounds: watches resume, and snapshots are rebuilt, from the events it
     * retains; older RVs get 410.
     */
    public Builder eventWindow(int maxEvents, long maxBytes) {
      if (maxEvents < 1 || maxBytes < 1) {
        throw new IllegalArgumentException("an event window holds at least one event");
      }
      this.windowEvents = maxEvents;
      this.windowBytes = maxBytes;
      return this;
    }

    /**
     * Per-identity fairness: {@code seats} requests are served at once (and as many authenticated
     * in a level of their own), each identity may have {@code queueLength} more waiting for a seat,
     * each for up to {@code queueWait}, and {@code queueLength} reads waiting for their read point;
     * beyond any of these a request gets 429 with {@code Retry-After}. Defaults {@link
     * #DEFAULT_SEATS}, {@link #DEFAULT_QUEUE_LENGTH} and {@link #DEFAULT_QUEUE_WAIT}.
     */
    public Builder fairness(int seats, int queueLength, Duration queueWait) {
      if (seats < 1 || queueLength < 0 || queueWait.isNegative()) {
        throw new IllegalArgumentException(
            "at least one seat, and a queue length and wait not negative");
      }
      this.seats = seats;
      this.queueLength = queueLength;
      this.queueWait = queueWait;
      return this;
    }

    /**
     * How many watches one identity may have open; one more gets 429 with {@code Retry-After}.
     * Default {@link #DEFAULT_WATCHES_PER_IDENTITY}.
     */
    public Builder watchesPerIdentity(int watches) {
      if (watches < 1) {
        throw new IllegalArgumentException("an identity may open at least one watch");
      }
      this.watchesPerIdentity = watches;
      return this;
    }

    /**
     * Shortens the apiserver's 32 s ReadHeaderTimeout: package-private, for tests that would
     * otherwise wait it out in real time.
     */
    Builder readHeaderTimeout(Duration timeout) {
      this.readHeaderTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public Relay build() {
      if (certFile != null && plainHttpForTests) {
        throw new IllegalStateException("tls(...) and plainHttpForTests(true) both given");
      }
      if (certFile == null && !plainHttpForTests) {
        throw new IllegalStateException(
            "the relay serves HTTPS: give it tls(certFile, keyFile), or plainHttpForTests(true)"
                + " in tests");
      }
      if (!unauthenticatedForTests && audience == null) {
        throw new IllegalStateException(
            "the relay authenticates its agents' tokens for its own audience: give it"
                + " audience(...), or unauthenticatedForTests(true) in tests");
      }
      if (resources.isEmpty()) {
        throw new IllegalStateException("nothing to relay: add a RelayedResource");
      }
      return new Relay(this);
    }
  }
}
