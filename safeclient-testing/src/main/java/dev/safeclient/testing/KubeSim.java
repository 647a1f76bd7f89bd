package dev.safeclient.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * An in-process simulated Kubernetes API server that behaves like a real one on the wire and counts
 * what a real one would pay. Its semantics follow K8S-API-FACTS.md row by row.
 *
 * <pre>{@code
 * try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
 *   CoreV1Api core = new CoreV1Api(sim.apiClient());
 *   core.listPodForAllNamespaces().execute();
 *   sim.stats().objectsReadFromStorage();
 * }
 * }</pre>
 *
 * <p>The server is Jetty 12 core (no servlet layer): its writes are asynchronous, so an idle watch
 * holds no thread, and 5,000 open watch streams fit on 2 cores (the JDK's HttpServer needs a thread
 * per open exchange).
 */
public final class KubeSim implements AutoCloseable {
  /**
   * The API server's own audience ({@code --api-audiences}, by default its ServiceAccount issuer,
   * which kubeadm sets to this): a TokenReview without {@code spec.audiences} asks for it.
   */
  public static final String API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

  private final SimConfig config;
  private final ThreadGroup jettyThreads;
  private final TimeSource time;
  private final Clock clock;
  private final ClockWaits waits;
  private final Etcd etcd;
  private final List<SimulatedApiserver> apiservers = new ArrayList<>();
  private final Map<String, ResourceType> resources =
      new ConcurrentHashMap<>(ResourceType.BUILT_IN);
  private final SimStats stats;
  private final FaultPlayer faults;
  private final PriorityLevel priorityLevel;
  private final ScheduledExecutorService scheduler;
  private final Server server;
  private final ServerConnector connector;
  private final ApiHandler handler;
  private final int port;
  private volatile boolean down;
  private volatile boolean scriptedOutage;
  private final Set<FaultRule> openTimedRules = new HashSet<>();

  private KubeSim(Builder builder) {
    SimConfig b = new SimConfig(builder);
    this.config = b;
    this.time = b.clock;
    this.clock = b.clock.asJavaClock();
    this.priorityLevel = new PriorityLevel(b.apfConcurrencyLimit, b.apfHandSize, time);
    this.waits = new ClockWaits(time);
    this.stats = new SimStats(b.requestLogCapacity, "1." + b.minor);
    this.etcd = new Etcd(clock, b.continueExpiry.toMillis());
    for (int i = 0; i < b.apiservers; i++) {
      SimulatedApiserver a =
          new SimulatedApiserver(i, etcd, clock, b, b.lags.getOrDefault(i, b.cacheLag), waits);
      apiservers.add(a);
      etcd.watchers.add(a);
    }
    for (ResourceType t : b.registered) {
      resources.put(t.groupVersionPlural(), t);
    }
    this.faults = new FaultPlayer(clock);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kubesim-ticker");
              t.setDaemon(true);
              return t;
            });
    this.handler = new ApiHandler(this);
    if (b.namespaceLifecycle) {
      Namespaces.createSystemNamespaces(handler);
    }
    for (String ns : b.namespaces) {
      Namespaces.create(handler, ns);
    }
    QueuedThreadPool pool = new QueuedThreadPool(b.maxThreads, 4);
    pool.setName("kubesim");
    pool.setDaemon(true);
    // Jetty's default scheduler stops without waiting for its thread; this one's threads live in a
    // group of their own, so that close() can wait for them to end.
    this.jettyThreads = new ThreadGroup("kubesim-jetty");
    this.server =
        new Server(
            pool,
            new ScheduledExecutorScheduler("kubesim-scheduler", true, null, jettyThreads, 1),
            null);
    this.connector =
        new ServerConnector(
            server,
            1,
            1,
            new org.eclipse.jetty.server.HttpConnectionFactory(
                dev.safeclient.apiserver.ApiserverHttp.configuration()));
    connector.setHost("127.0.0.1");
    connector.setPort(b.port);
    connector.setReuseAddress(true);
    // Watches stay silent for a whole bookmark interval or longer: no server-side idle timeout.
    connector.setIdleTimeout(TimeUnit.HOURS.toMillis(2));
    connector.setAcceptQueueSize(4096);
    server.addConnector(connector);
    server.setHandler(handler);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("KubeSim could not start", e);
    }
    this.port = connector.getLocalPort();
    if (b.faults != null) {
      play(b.faults);
    }
    long bookmarkMillis = Math.max(1, b.bookmarkInterval.toMillis());
    scheduler.scheduleAtFixedRate(
        this::bookmarks, bookmarkMillis, bookmarkMillis, TimeUnit.MILLISECONDS);
    // The tick makes clock-driven things happen without a request: cache lag, outages, the
    // kubelet's end of graceful deletion. 20 ms is well below any lag a test would script.
    scheduler.scheduleWithFixedDelay(this::tick, 20, 20, TimeUnit.MILLISECONDS);
  }

  /** Starts a KubeSim with the defaults. */
  public static KubeSim start() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * A plain client-java {@link ApiClient} pointing at this sim, with a read timeout of 0 (what
   * {@code SharedInformerFactory} demands). Needs client-java on the class path: this module
   * declares it optional, so users who rehearse another client do not get it.
   */
  public ApiClient apiClient() {
    ApiClient c = new ApiClient();
    c.setBasePath(url());
    c.setHttpClient(c.getHttpClient().newBuilder().readTimeout(Duration.ZERO).build());
    return c;
  }

  public KubeSimStats stats() {
    return stats.snapshot();
  }

  /**
   * The last requests served (at most the builder's {@code requestLogCapacity}), oldest first: the
   * request line, Accept and response Content-Type, User-Agent, identity, where each was served
   * from, its seats and, for watches, the events and bookmarks sent so far.
   */
  public List<RequestLogEntry> requestLog() {
    return stats.requestLog();
  }

  /** Zeroes the counters (watches open is kept: it is a level, not a count). */
  public void resetStats() {
    stats.reset();
  }

  /** The simulated server version, e.g. {@code "1.30"}. */
  public String serverVersion() {
    return "1." + config.minor;
  }

  /** The current (etcd) resourceVersion. */
  public long resourceVersion() {
    return etcd.currentRv();
  }

  /** Registers a CRD-like resource. */
  public void register(ResourceType type) {
    resources.put(type.groupVersionPlural(), type);
  }

  /** Simulated apiserver {@code i} (0-based). */
  public SimulatedApiserver apiserver(int i) {
    return apiservers.get(i);
  }

  public int apiserverCount() {
    return apiservers.size();
  }

  /** Starts (or replaces) the fault script; its time windows count from now. */
  public void play(FaultScript script) {
    synchronized (openTimedRules) {
      openTimedRules.clear();
      faults.play(Objects.requireNonNull(script));
    }
    tick();
  }

  /** The faults injected since the script started, in order. */
  public List<FaultEvent> faultLog() {
    return faults.log();
  }

  /**
   * Takes an aggregated API group's extension apiserver down (its requests answer 503 service
   * unavailable) or brings it back.
   */
  public void aggregatedApiDown(String group, boolean down) {
    handler.aggregatedApi().down(group, down);
  }

  /**
   * Revokes a bearer token given to {@link Builder#user}: from now on it authenticates no more,
   * neither to KubeSim nor in a TokenReview, as a bound token whose pod or ServiceAccount was
   * deleted.
   */
  public void revokeToken(String bearerToken) {
    config.revoke(bearerToken);
  }

  /** Breaks every open watch connection now. */
  public void dropWatches() {
    for (SimulatedApiserver a : apiservers) {
      for (WatchStream w : a.watches(x -> true)) {
        w.abort(new IOException("watch dropped by KubeSim"));
      }
    }
  }

  /** Ends every open watch cleanly (the final chunk), as a server-side watch timeout does. */
  public void closeWatches() {
    for (SimulatedApiserver a : apiservers) {
      for (WatchStream w : a.watches(x -> true)) {
        w.end();
      }
    }
  }

  /** A full outage: the listener closes (connection refused) until {@code outage(false)}. */
  public synchronized void outage(boolean on) {
    if (on == down) {
      return;
    }
    try {
      if (on) {
        connector.stop();
        awaitListenerClosed();
        dropWatches();
      } else {
        connector.setPort(port);
        connector.start();
      }
      down = on;
    } catch (Exception e) {
      throw new IllegalStateException("outage(" + on + ")", e);
    }
  }

  /**
   * Waits until connections are refused. The JDK closes a listening socket only when the acceptor
   * blocked in accept() has left it, which can be after stop() returns; until then the kernel still
   * completes handshakes, and the client sees a reset instead of a refusal.
   */
  private void awaitListenerClosed() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      } catch (ConnectException refused) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the listener on port " + port + " still accepts after 5 s");
      }
      Thread.sleep(2);
    }
  }

  /**
   * Stores an object directly, as a create would, without HTTP or accounting: for seeding large
   * states fast. Returns the stored JSON (with uid, resourceVersion, creationTimestamp).
   */
  public String create(ResourceType type, String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    JsonObject meta = o.getAsJsonObject("metadata");
    String ns = meta == null ? "" : StoredObject.string(meta, "namespace");
    Answer r = handler.createObject(type, ns, o);
    if (r.code >= 300) {
      throw new IllegalArgumentException(new String(r.body, StandardCharsets.UTF_8));
    }
    return new String(r.body, StandardCharsets.UTF_8);
  }

  /** As {@link #create(ResourceType, String)} for a built-in or registered resource. */
  public String create(String apiVersion, String plural, String json) {
    return create(resource(apiVersion, plural), json);
  }

  /** The current stored JSON of an object, or null. */
  public String get(ResourceType type, String namespace, String name) {
    etcd.lock.readLock().lock();
    try {
      StoredObject o = etcd.keyspace(type).current.get(StoredObject.keyOf(namespace, name));
      return o == null ? null : new String(o.json, StandardCharsets.UTF_8);
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  /**
   * The node a stored pod is bound to ("" if unbound), or null if there is no such pod: the node
   * authorizer's graph.
   */
  String podNode(String namespace, String name) {
    etcd.lock.readLock().lock();
    try {
      StoredObject o =
          etcd.keyspace(resource("v1", "pods")).current.get(StoredObject.keyOf(namespace, name));
      return o == null ? null : o.nodeName;
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  /**
   * Changes a stored object directly, as a controller's status write reaches etcd, without HTTP,
   * admission, defaulting or accounting: watchers see a MODIFIED event at the next resourceVersion,
   * but no request is billed. {@code change} gets the stored JSON and returns the new one. Returns
   * false when no such object is stored.
   */
  public boolean update(
      ResourceType type, String namespace, String name, UnaryOperator<String> change) {
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(type).current.get(StoredObject.keyOf(namespace, name));
      if (current == null) {
        return false;
      }
      String next = change.apply(new String(current.json, StandardCharsets.UTF_8));
      etcd.commit(
          type, Change.Type.MODIFIED, JsonParser.parseString(next).getAsJsonObject(), current);
      return true;
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** The average size of one stored object of a resource, in JSON bytes. */
  public long averageObjectBytes(ResourceType type) {
    etcd.lock.readLock().lock();
    try {
      return etcd.keyspace(type).averageObjectBytes();
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  /** How many objects of a resource are stored. */
  public int count(ResourceType type) {
    etcd.lock.readLock().lock();
    try {
      return etcd.keyspace(type).size();
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  /** A built-in or registered resource by apiVersion and plural, e.g. {@code ("v1", "pods")}. */
  public ResourceType resource(String apiVersion, String plural) {
    ResourceType t = resources.get(apiVersion + "/" + plural);
    if (t == null) {
      throw new IllegalArgumentException("unknown resource " + apiVersion + "/" + plural);
    }
    return t;
  }

  /** Stops the server and waits for every thread it started to end. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    dropWatches();
    handler.releaseSilent();
    try {
      server.stop();
      scheduler.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      Thread[] left = new Thread[jettyThreads.activeCount() + 4];
      int n = jettyThreads.enumerate(left);
      for (int i = 0; i < n; i++) {
        left[i].join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new UncheckedIOException(new IOException("KubeSim could not stop", e));
    }
  }

  /** A stopped thread ends within milliseconds; this only bounds a wedged one. */
  private static final long CLOSE_WAIT_SECONDS = 5;

  private static final System.Logger LOG = System.getLogger(KubeSim.class.getName());

  private void bookmarks() {
    try {
      for (SimulatedApiserver a : apiservers) {
        a.bookmarks();
      }
    } catch (Throwable e) { // an Error would cancel the scheduled task for good
      LOG.log(
          System.Logger.Level.WARNING,
          "KubeSim: sending bookmarks failed; the next tick sends them",
          e);
    }
  }

  private void tick() {
    try {
      for (SimulatedApiserver a : apiservers) {
        a.catchUp();
      }
      // The rules are read, and the outage switched, under the lock play() installs a script
      // under: a tick that read the old script must not act after the new script's first tick
      // (it would end the outage that tick just began).
      synchronized (openTimedRules) {
        List<FaultRule> active = faults.activeTimedRules();
        boolean outage = false;
        for (FaultRule r : active) {
          if (r.fault.kind() == Fault.Kind.OUTAGE) {
            outage = true;
          }
          boolean edge =
              r.fault.kind() == Fault.Kind.OUTAGE || r.fault.kind() == Fault.Kind.DROP_WATCHES;
          // Only faults that act when their window opens are logged here (request number 0);
          // the others are logged per request, in request order.
          if (openTimedRules.add(r) && edge) {
            faults.record(
                new FaultEvent(
                    0,
                    r.verb == null ? "*" : r.verb,
                    r.resource == null ? "*" : r.resource,
                    r.fault.toString()));
            if (r.fault.kind() == Fault.Kind.DROP_WATCHES) {
              for (SimulatedApiserver a : apiservers) {
                for (WatchStream w :
                    a.watches(
                        w -> r.resource == null || r.resource.equals(w.resource.resourceName()))) {
                  w.abort(new IOException("watch dropped by fault script"));
                }
              }
            }
          }
        }
        openTimedRules.retainAll(new HashSet<>(active));
        if (outage && !down) {
          outage(true);
          scriptedOutage = true;
        } else if (!outage && scriptedOutage) {
          outage(false);
          scriptedOutage = false;
        }
      }
      if (config.kubeletDeletes) {
        handler.finishGracefulDeletions();
      }
      handler.finishTerminatingNamespaces();
    } catch (Throwable e) { // an Error would cancel the scheduled task for good
      LOG.log(System.Logger.Level.WARNING, "KubeSim: a tick failed; the next tick retries", e);
    }
  }

  // ---- accessors for the handler ----
  SimConfig config() {
    return config;
  }

  Clock clock() {
    return clock;
  }

  /** Whether model time is virtual: moved by the test and by KubeSim's own waits. */
  boolean virtualTime() {
    return time instanceof VirtualTimeSource;
  }

  Etcd etcd() {
    return etcd;
  }

  List<SimulatedApiserver> apiservers() {
    return apiservers;
  }

  Map<String, ResourceType> resources() {
    return resources;
  }

  SimStats statsLive() {
    return stats;
  }

  FaultPlayer faults() {
    return faults;
  }

  PriorityLevel priorityLevel() {
    return priorityLevel;
  }

  ClockWaits waits() {
    return waits;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Options for a {@link KubeSim}. Every duration is scalable so tests run in milliseconds. */
  public static final class Builder {
    Duration bookmarkInterval = ApiserverDefaults.BOOKMARK_INTERVAL;
    Duration eventWindow = Duration.ofSeconds(75); // the cacher's event window (fact sheet)
    int eventWindowCapacity = 102_400; // the cacher's largest watch cache capacity
    Duration continueExpiry = Duration.ofMinutes(5); // etcd's default compaction interval
    Duration cacheWait = ApiserverDefaults.RESOURCE_VERSION_WAIT;
    // etcd's --experimental-watch-progress-notify-interval default: how often a quiet resource's
    // cache learns etcd's revision where it cannot request progress (up to 1.30, old etcd).
    Duration progressNotifyInterval = Duration.ofMinutes(10);
    Duration cacheInitialization = Duration.ofSeconds(5);
    Duration cacheLag = Duration.ZERO;
    final Map<Integer, Duration> lags = new HashMap<>();
    int minor = 30; // the worst case by default: consistent lists go to etcd
    int apiservers = 1;

    /** workload-low's and global-default's queuing.handSize in the default APF configuration. */
    static final int DEFAULT_HAND_SIZE = 6;

    int apfConcurrencyLimit = 600; // --max-requests-inflight 400 + --max-mutating 200
    int apfHandSize = DEFAULT_HAND_SIZE;
    int maxThreads = 200;
    int port = 0;
    boolean kubeletDeletes = true;
    boolean namespaceLifecycle = true;
    final List<String> namespaces = new ArrayList<>();
    TimeSource clock = TimeSource.system();
    FaultScript faults;
    final Set<String> cacheDisabled = new HashSet<>();
    final List<ResourceType> registered = new ArrayList<>();
    final Map<String, JsonObject> crdSchemas = new HashMap<>();
    final Map<FeatureGate, Boolean> gates = new EnumMap<>(FeatureGate.class);
    // Enough for a test's or a rehearsal minute's requests; each entry is a few hundred bytes.
    int requestLogCapacity = 10_000;
    final Map<String, String> users = new HashMap<>();
    final Map<String, List<String>> audiences = new HashMap<>();
    final List<Authorization.Rule> rules = new ArrayList<>();
    final Map<String, Map<String, List<String>>> extras = new HashMap<>();
    boolean nodeAuthorizer;
    final List<ResourceType> aggregated = new ArrayList<>();
    boolean oldEtcd;

    private Builder() {}

    /** How many requests {@link KubeSim#requestLog()} keeps (the oldest are dropped). */
    public Builder requestLogCapacity(int entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("requestLogCapacity(" + entries + ")");
      }
      requestLogCapacity = entries;
      return this;
    }

    /** A user a bearer token authenticates as: the request log shows the user, never the token. */
    public Builder user(String bearerToken, String userName) {
      users.put(Objects.requireNonNull(bearerToken), Objects.requireNonNull(userName));
      return this;
    }

    /**
     * Binds a token of {@link #user} to these audiences, as a projected ServiceAccount token's
     * {@code aud} claim: a TokenReview authenticates it only for a {@code spec.audiences} that
     * shares one, and it authenticates to KubeSim itself only if one is {@link #API_AUDIENCE}.
     */
    public Builder tokenAudiences(String bearerToken, String... audiences) {
      if (audiences.length == 0) {
        throw new IllegalArgumentException("a token is bound to at least one audience");
      }
      this.audiences.put(Objects.requireNonNull(bearerToken), List.of(audiences));
      return this;
    }

    /**
     * Binds a ServiceAccount token of {@link #user} to a pod, as a projected token is: its
     * TokenReview then answers the {@code user.extra} the ServiceAccount authenticator adds ({@code
     * authentication.kubernetes.io/pod-name}, {@code pod-uid}, {@code node-name}, {@code node-uid}
     * and {@code credential-id}), which a delegating server must pass on unchanged in its
     * SubjectAccessReviews.
     */
    public Builder podBoundToken(String bearerToken, String podName, String podUid, String node) {
      Map<String, List<String>> extra = new java.util.LinkedHashMap<>();
      extra.put("authentication.kubernetes.io/credential-id", List.of("JTI=" + uuid(bearerToken)));
      extra.put("authentication.kubernetes.io/node-name", List.of(node));
      extra.put("authentication.kubernetes.io/node-uid", List.of(uuid("node " + node)));
      extra.put("authentication.kubernetes.io/pod-name", List.of(podName));
      extra.put("authentication.kubernetes.io/pod-uid", List.of(podUid));
      extras.put(Objects.requireNonNull(bearerToken), extra);
      return this;
    }

    private static String uuid(String seed) {
      return java.util
          .UUID
          .nameUUIDFromBytes(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .toString();
    }

    /**
     * An RBAC-like rule bound to a group ({@code system:nodes}, {@code system:serviceaccounts},
     * ...): every member may use {@code verbs} on {@code resources}, as a RoleBinding to a Group
     * subject grants. Groups are the TokenReview's, and a SubjectAccessReview's own.
     */
    public Builder allowGroup(String group, String verbs, String resources) {
      rules.add(
          new Authorization.Rule(
              Authorization.Rule.GROUP + Objects.requireNonNull(group),
              java.util.Set.of(verbs.split("\\s*,\\s*")),
              java.util.Set.of(resources.split("\\s*,\\s*"))));
      return this;
    }

    /**
     * What the {@code system:auth-delegator} ClusterRole grants {@code user}: create on
     * tokenreviews and subjectaccessreviews, so that it may ask who a token is and what it may do.
     */
    public Builder authDelegator(String user) {
      return allow(
          user,
          "create",
          "tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io");
    }

    /**
     * An RBAC-like rule: {@code user} may use {@code verbs} ("get,list,watch" or "*") on {@code
     * resources} ("pods,deployments.apps" or "*"). With any rule (or the node authorizer) KubeSim
     * authorizes every resource request and answers others 403 Forbidden, as a real server does;
     * without, it allows everything.
     */
    public Builder allow(String user, String verbs, String resources) {
      rules.add(
          new Authorization.Rule(
              Objects.requireNonNull(user),
              java.util.Set.of(verbs.split("\\s*,\\s*")),
              java.util.Set.of(resources.split("\\s*,\\s*"))));
      return this;
    }

    /**
     * The node authorizer ({@code --authorization-mode=Node,RBAC}): a {@code system:node:<n>} user
     * may get pods and, from 1.32 (AuthorizeNodeWithSelectors), list and watch pods only with
     * {@code fieldSelector=spec.nodeName=<n>}. Turns authorization on.
     */
    public Builder nodeAuthorizer(boolean on) {
      nodeAuthorizer = on;
      return this;
    }

    /**
     * Serves this resource from a simulated extension apiserver behind the aggregation layer
     * (metrics-server-like): JSON only, {@code limit} ignored, no resourceVersion, no watch cache
     * and no watch. Seed its objects with {@link KubeSim#create(ResourceType, String)}.
     */
    public Builder aggregatedApi(ResourceType type) {
      aggregated.add(Objects.requireNonNull(type));
      registered.add(type);
      return this;
    }

    /** Overrides one of the server version's feature gates, as {@code --feature-gates} would. */
    public Builder featureGate(FeatureGate gate, boolean enabled) {
      gates.put(Objects.requireNonNull(gate), enabled);
      return this;
    }

    /**
     * An etcd older than 3.4.31 / 3.5.13, without progress requests: consistent reads go to etcd on
     * every version.
     */
    public Builder oldEtcd(boolean old) {
      oldEtcd = old;
      return this;
    }

    public Builder bookmarkInterval(Duration d) {
      bookmarkInterval = positive(d);
      return this;
    }

    /** How long the watch cache keeps events; a watch from an older RV gets 410. */
    public Builder eventWindow(Duration d) {
      eventWindow = positive(d);
      return this;
    }

    public Builder eventWindowCapacity(int events) {
      eventWindowCapacity = events;
      return this;
    }

    /** Continue tokens expire (410 Expired) once etcd compacts past them, after this long. */
    public Builder continueExpiry(Duration d) {
      continueExpiry = positive(d);
      return this;
    }

    /**
     * The wait for a cache to reach a requested RV before 504 (3 s on a real apiserver), on the
     * simulation {@link #clock(Clock)}.
     */
    public Builder cacheWait(Duration d) {
      cacheWait = Objects.requireNonNull(d);
      return this;
    }

    /**
     * How often etcd sends every watch a progress notification (10 minutes by default): the only
     * way a resource without writes advances its watch cache where progress cannot be requested on
     * demand (1.30, or an old etcd). Simulation clock.
     */
    public Builder progressNotifyInterval(Duration d) {
      progressNotifyInterval = positive(d);
      return this;
    }

    /** How long a restarted apiserver's cache initialises (429 meanwhile). */
    public Builder cacheInitialization(Duration d) {
      cacheInitialization = Objects.requireNonNull(d);
      return this;
    }

    /** {@code "1.30"} .. {@code "1.36"}: where LISTs are served and what they cost. */
    public Builder serverVersion(String version) {
      minor = dev.safeclient.model.serving.ServerVersion.of(version).minor();
      return this;
    }

    /** Several simulated apiservers behind one URL, round-robin per connection. */
    public Builder apiservers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("apiservers(" + n + ")");
      }
      apiservers = n;
      return this;
    }

    /** How far every apiserver's watch cache trails etcd (simulation clock). */
    public Builder cacheLag(Duration lag) {
      cacheLag = Objects.requireNonNull(lag);
      return this;
    }

    /** The lag of one apiserver's cache. */
    public Builder cacheLag(int apiserver, Duration lag) {
      lags.put(apiserver, Objects.requireNonNull(lag));
      return this;
    }

    /** Serves this resource ({@code "pods"}, {@code "deployments.apps"}) without a watch cache. */
    public Builder watchCacheDisabled(String resourceName) {
      cacheDisabled.add(resourceName);
      return this;
    }

    /**
     * The priority level's concurrency limit in seats (default 600, the whole of a default server's
     * --max-requests-inflight 400 + --max-mutating-requests-inflight 200): past it, 429. It also
     * bounds one request's estimate, with {@link #apfHandSize(int)}: max(1, min(ceil(0.15 × limit),
     * limit / hand size)), 90 by default. A default 1.34 server's workload-low level has a nominal
     * limit of 245 (100 of 245 shares of 600), so 37.
     */
    public Builder apfConcurrencyLimit(int seats) {
      if (seats < 1) {
        throw new IllegalArgumentException("apfConcurrencyLimit(" + seats + ")");
      }
      apfConcurrencyLimit = seats;
      return this;
    }

    /** The priority level's queuing hand size (default 6, as workload-low and global-default). */
    public Builder apfHandSize(int handSize) {
      if (handSize < 1) {
        throw new IllegalArgumentException("apfHandSize(" + handSize + ")");
      }
      apfHandSize = handSize;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Server threads; watches hold none, so the default suits thousands of watches. */
    public Builder maxThreads(int n) {
      maxThreads = n;
      return this;
    }

    /**
     * Whether the simulated kubelet removes a gracefully deleted pod when its grace period ends
     * (default true). Off: it stays with its deletionTimestamp until deleted with grace 0.
     */
    public Builder kubeletDeletes(boolean on) {
      kubeletDeletes = on;
      return this;
    }

    /**
     * Whether KubeSim starts with the system namespaces ({@code default}, {@code kube-system},
     * {@code kube-public}, {@code kube-node-lease}) and a create over HTTP in a namespace that does
     * not exist answers 404, as the NamespaceLifecycle admission plugin answers it (default true,
     * as on a real server). Off, for rehearsals that don't care: no namespace exists until created,
     * and a create goes into any namespace. A Terminating namespace refuses new content with 403
     * either way. Objects stored with {@link KubeSim#create} are never checked.
     */
    public Builder namespaceLifecycle(boolean on) {
      namespaceLifecycle = on;
      return this;
    }

    /**
     * Namespaces that exist from the start, beside the system ones: what a cluster's setup creates
     * before the workload under rehearsal runs.
     */
    public Builder namespaces(String... names) {
      namespaces.addAll(List.of(names));
      return this;
    }

    /**
     * The simulation clock: timestamps, lag, event window, continue expiry, fault windows, progress
     * notifications, KubeSim's waits (the watch cache's freshness wait, an initialising cache on
     * 1.30) and how long a request holds its APF seats (its modelled service time). {@link
     * TimeSource#system()} makes those real; {@link TimeSource#scaled(double)} speeds them up with
     * a rehearsal's time scale; a {@link VirtualTimeSource} makes them virtual: KubeSim advances it
     * to the earliest waiting deadline once every request in flight is blocked on it, so a client
     * on real time still gets its answer, and a test may move it too. The same object may be the
     * clients' ({@code SafeClient.Builder#clock}), for one timeline. Socket and OkHttp timeouts
     * (connect, read, call), Jetty's idle timeout, watch {@code timeoutSeconds}, the bookmark
     * ticker and the LATENCY fault stay on real time in every mode.
     */
    public Builder clock(TimeSource c) {
      clock = Objects.requireNonNull(c);
      return this;
    }

    public Builder faults(FaultScript script) {
      faults = script;
      return this;
    }

    public Builder register(ResourceType type) {
      registered.add(type);
      return this;
    }

    /**
     * Registers a custom resource with its CRD's structural schema (the version's {@code
     * openAPIV3Schema}, as JSON): fields it does not declare are pruned, and answered under {@code
     * fieldValidation} as unknown fields, as apiextensions-apiserver prunes them. Without a schema
     * a custom resource keeps every field.
     */
    public Builder register(ResourceType type, String openApiV3Schema) {
      registered.add(type);
      crdSchemas.put(
          type.groupVersionPlural(), JsonParser.parseString(openApiV3Schema).getAsJsonObject());
      return this;
    }

    public KubeSim build() {
      return new KubeSim(this);
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive: " + d);
      }
      return d;
    }
  }
}
