package dev.safeclient.informer;

import dev.safeclient.core.internal.protocol.ListChunks;
import dev.safeclient.core.internal.request.CacheFillList;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one informer's cache in line with the server, the way client-go's reflector does, and
 * gentler: list ({@code resourceVersion=0&limit=500}) then watch with bookmarks; resume a watch
 * that ended at its last resourceVersion; relist at that resourceVersion from the watch cache when
 * it expired; back off, jittered, on every failure. Its list and watch calls go through the {@code
 * SafeClient}'s library view: budgets apply, lint rewrites and generic retries do not.
 */
final class Reflector<T extends KubernetesObject, L extends KubernetesListObject> {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  /**
   * A watch that ends sooner than this with no event is the server refusing, not a normal end
   * (client-go's rule). It goes through backoff: client-java re-opens it at once, ~2,700 requests a
   * second against a mock.
   */
  static final Duration SHORT_WATCH = Duration.ofSeconds(1);

  /**
   * Watch timeouts are drawn from [300, 600) s (client-go's range): long enough to be cheap, and
   * spread so that watchers do not all reconnect at the same moment.
   */
  static final int WATCH_TIMEOUT_MIN_SECONDS = 300;

  static final int WATCH_TIMEOUT_SPAN_SECONDS = 300;

  /**
   * The watch call's own deadline beyond timeoutSeconds: a server that never ends the stream (a
   * half-open connection on a server without bookmarks) is cut after this much extra.
   */
  static final Duration WATCH_CALL_GRACE = Duration.ofSeconds(30);

  /**
   * A streaming list that shows neither an event nor its initial-events-end bookmark for this long
   * is taken for a server that ignored {@code sendInitialEvents} (it then sends an ordinary, quiet
   * watch). A real one sends the bookmark right after the initial state.
   */
  static final Duration WATCH_LIST_SILENCE = Duration.ofSeconds(30);

  static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  /** Where the reflector writes: the informer's cache and handlers. */
  interface Store<T> {
    /** A full list: the store becomes exactly {@code items}. */
    void replace(Collection<T> items);

    void upsert(T object);

    void delete(T object);
  }

  /** How the next LIST reads. */
  enum ListMode {
    /** The first list: {@code resourceVersion=0&limit=<page>}, served by the watch cache. */
    INITIAL,
    /** After an expired watch: {@code resourceVersion=<last>}, no limit, not older than that. */
    AT_LAST_RV,
    /** After a list that expired or was too new for the server: RV unset, paged. */
    CONSISTENT
  }

  private final String name;
  private final ResourceEndpoint endpoint;
  private final Class<T> type;
  private final Class<L> listType;
  private final ApiClient api;
  private final OkHttpClient watchHttp;
  private final WatchStreamFormat format;
  private final TimeSource clock;
  private final RandomGenerator random;
  private final Store<T> store;
  private final ObjectTransform transform;
  private final ReflectorHealth health;
  private final SafeClientMetrics metrics;
  private final Duration startJitter;
  private final Duration watchdogTimeout;
  private final boolean watchList;
  private final int pageSize;
  private final RelistBackoff backoff;
  private final FailureLog failures;
  private final int maxConsecutiveErrors;
  // Null when this informer takes no part in bringing retries forward after a recovery.
  private final RecoveryWave.Waiter recovery;
  private final RecoveryWave wave;
  // Set at a failure of the server's, cleared when the server answers again: only that answer
  // brings the others forward (the reflector thread and the watch-open timer both read it).
  private final AtomicBoolean serverFailedSinceAnswer = new AtomicBoolean();

  private volatile boolean stopped;
  private volatile Thread thread;
  private volatile Call currentCall;
  private volatile WatchState currentWatch;
  private volatile String lastRv;

  // Only the reflector thread touches these.
  private boolean needList = true;
  private ListMode listMode = ListMode.INITIAL;
  private String relistReason = "initial";
  private String phase = "list";
  private boolean watchListUnsupported;
  private volatile Runnable changed = () -> {};
  private int shortWatchesInRow;
  private int errorsInRow;
  private boolean errorTraceLogged;

  Reflector(
      String name,
      ResourceEndpoint endpoint,
      Class<T> type,
      Class<L> listType,
      ApiClient api,
      OkHttpClient watchHttp,
      WatchStreamFormat format,
      TimeSource clock,
      RandomGenerator random,
      Store<T> store,
      ObjectTransform transform,
      ReflectorHealth health,
      SafeClientMetrics metrics,
      Duration startJitter,
      Duration watchdogTimeout,
      boolean watchList,
      int pageSize,
      int maxConsecutiveErrors,
      RecoveryWave wave) {
    this.name = name;
    this.endpoint = endpoint;
    this.type = type;
    this.listType = listType;
    this.api = api;
    this.watchHttp = watchHttp;
    this.format = format;
    this.clock = clock;
    this.random = random;
    this.store = store;
    this.transform = transform;
    this.health = health;
    this.metrics = metrics;
    this.startJitter = startJitter;
    this.watchdogTimeout = watchdogTimeout;
    this.watchList = watchList;
    this.pageSize = pageSize;
    this.backoff = new RelistBackoff(random);
    this.failures = new FailureLog(name, clock);
    this.maxConsecutiveErrors = maxConsecutiveErrors;
    this.wave = wave;
    this.recovery = wave == null ? null : wave.waiter();
  }

  /**
   * Runs on each ADDED, MODIFIED or DELETED event after the initial state: this process saw the
   * resource change (for SC101's decision up to 1.30). Set before {@link #start}.
   */
  void onChange(Runnable changed) {
    this.changed = changed;
  }

  /** Starts the reflector's thread; returns at once (the start jitter is waited there). */
  synchronized void start(String threadName) {
    if (thread != null || stopped) {
      return;
    }
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Stops the loop, cancels the open call and waits for the thread to end. */
  void stop() {
    stopped = true;
    WatchState ws = currentWatch;
    if (ws != null) {
      ws.call.cancel();
    }
    Call c = currentCall;
    if (c != null) {
      c.cancel();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{}: reflector thread did not end within 10 s of stop", name);
      }
    }
  }

  /** Failures since the last recovery. */
  int failuresInRow() {
    return failures.failuresInRow();
  }

  /** The resourceVersion the next watch resumes from. */
  String lastResourceVersion() {
    return lastRv;
  }

  private void run() {
    try {
      if (!startJitter.isZero()) {
        // Spreads a DaemonSet rollout's first lists; other informers and readiness gates that
        // do not need this cache are not held up, as this runs on the reflector's own thread.
        clock.sleep(Duration.ofNanos((long) (random.nextDouble() * startJitter.toNanos())));
      }
      while (!stopped) {
        Duration delay;
        Duration retryAfter = null;
        boolean serverFailure = false;
        try {
          if (needList && !(watchList && !watchListUnsupported)) {
            list();
          }
          if (watch(needList) == WatchEnd.RESUME) {
            continue;
          }
          delay = backoff.next(clock.nanoTime());
          serverFailure = true;
          failures.failure(
              "watch",
              new IOException(
                  "the server ended the watch within "
                      + SHORT_WATCH.toMillis()
                      + " ms, too soon for a normal end"),
              delay);
        } catch (WatchListUnsupportedException e) {
          if (stopped) {
            break;
          }
          watchListUnsupported = true;
          relistReason = "watchlist-fallback";
          log.warn(
              "{}: the server ignored a streaming list ({}); using LIST then WATCH from now on",
              name,
              e.getMessage());
          continue;
        } catch (ApiStatusException e) {
          if (stopped) {
            break;
          }
          if (!"list".equals(phase) && (e.expired() || e.tooLarge())) {
            // client-go: relist at the last resourceVersion first, a not-older-than read from
            // the watch cache; never a consistent read from etcd first.
            needList = true;
            listMode = lastRv == null ? listMode : ListMode.AT_LAST_RV;
            relistReason = "expired";
          }
          retryingList();
          retryAfter = e.retryAfter();
          delay = backoff.next(clock.nanoTime(), retryAfter);
          // A 429 is APF at work, not a failing server: an answer to one informer says nothing of
          // it.
          serverFailure = e.code() >= 500;
          failures.failure(phase, e, delay);
        } catch (IOException | RuntimeException e) {
          if (stopped) {
            break;
          }
          retryingList();
          delay = backoff.next(clock.nanoTime());
          // Refused, reset, cut, timed out; not a decode failure of ours.
          serverFailure =
              e instanceof IOException
                  && !(e.getCause() instanceof ApiException
                      || e.getCause() instanceof RuntimeException);
          failures.failure(phase, e, delay);
        } catch (Throwable e) {
          // Not the server's doing: an Error of this process, most likely out of memory while
          // relisting a big collection. The thread must not die with it: the cache would stay
          // stale for good while hasSynced() says true.
          if (stopped) {
            break;
          }
          delay = reflectorError(e);
          if (delay == null) {
            return;
          }
        }
        backoffWait(delay, retryAfter, serverFailure);
      }
    } catch (InterruptedException e) {
      // stop() interrupts a sleeping reflector.
    } finally {
      health.watchConnected(false);
    }
  }

  /** Waits out the backoff; a recovery of another informer on this client may shorten it. */
  private void backoffWait(Duration delay, Duration retryAfter, boolean serverFailure)
      throws InterruptedException {
    if (serverFailure) {
      serverFailedSinceAnswer.set(true);
    }
    if (recovery == null) {
      clock.sleep(delay);
      return;
    }
    recovery.await(clock, delay, retryAfter, serverFailure, () -> stopped);
  }

  /**
   * The server answered: a list, a streaming list's initial state, or a watch that lasted longer
   * than a short one. After a failure of the server's, that brings the other informers forward.
   */
  private void answered() {
    if (serverFailedSinceAnswer.compareAndSet(true, false) && wave != null && !stopped) {
      try {
        wave.recovered(recovery, clock.nanoTime(), random);
      } catch (RuntimeException e) {
        // Bringing others forward is an optimisation: this informer goes on either way.
        log.warn("{}: could not bring other informers' retries forward", name, e);
      }
    }
  }

  /**
   * Counts, reports and logs an Error; the delay before the reflector starts again, or null when it
   * has had {@code maxConsecutiveErrors} in a row and stays stopped.
   */
  private Duration reflectorError(Throwable e) {
    errorsInRow++;
    boolean givenUp = errorsInRow >= maxConsecutiveErrors;
    // An event may have been half applied or lost: start again from a list, at the last
    // resourceVersion when there is one (from the watch cache, not etcd).
    if (!"list".equals(phase) && lastRv != null) {
      listMode = ListMode.AT_LAST_RV;
    }
    needList = true;
    relistReason = "error";
    health.reflectorError(e, givenUp);
    metrics.informerLocalFailure(health.name(), "reflector");
    if (givenUp) {
      log.error(
          "{}: {} failed with {} {} times in a row; the informer stays stopped and its cache is"
              + " no longer kept up to date (health: STOPPED_ON_ERRORS). Restart the process,"
              + " with more memory if it ran out (-XX:+ExitOnOutOfMemoryError is recommended)",
          name,
          phase,
          e.getClass().getSimpleName(),
          errorsInRow,
          e);
      return null;
    }
    Duration delay = backoff.nextAfterError(clock.nanoTime());
    if (!errorTraceLogged) {
      errorTraceLogged = true;
      log.error(
          "{}: {} failed with {} ({} of {} in a row before the informer stops); restarting in {}",
          name,
          phase,
          e.getClass().getSimpleName(),
          errorsInRow,
          maxConsecutiveErrors,
          FailureLog.seconds(delay),
          e);
    } else {
      log.error(
          "{}: {} failed with {}: {} ({} of {} in a row before the informer stops); restarting"
              + " in {}",
          name,
          phase,
          e.getClass().getSimpleName(),
          JsonLinesWatchReader.safeMessage(e),
          errorsInRow,
          maxConsecutiveErrors,
          FailureLog.seconds(delay));
    }
    return delay;
  }

  /**
   * A watch stayed open for {@link RelistBackoff#RESET_AFTER}: the informer is healthy again, so
   * earlier Errors no longer count towards stopping it nor hold the backoff.
   */
  private void watchLasted(long openedNanos) {
    if (openedNanos >= 0 && clock.nanoTime() - openedNanos >= RelistBackoff.RESET_AFTER.toNanos()) {
      errorsInRow = 0;
      backoff.healthy();
    }
  }

  /** A list that failed is counted as a retry when it is sent again. */
  private void retryingList() {
    if (needList && !"watch".equals(phase)) {
      relistReason = "retry";
    }
  }

  // ---------------------------------------------------------------- LIST

  private void list() throws IOException {
    phase = "list";
    ListMode mode = listMode;
    try {
      listPaged(mode, relistReason);
    } catch (ApiStatusException e) {
      if (stopped || !(e.expired() || e.tooLarge()) || mode == ListMode.CONSISTENT) {
        throw e;
      }
      // The asked resourceVersion is gone from history, or ahead of this server's cache: a
      // consistent read is the one that answers (client-go retries it at once, once).
      listMode = ListMode.CONSISTENT;
      log.info("{}: {}; relisting with a consistent paged read", name, e.getMessage());
      listPaged(ListMode.CONSISTENT, e.expired() ? "list-expired" : "too-large");
    }
    needList = false;
    listMode = ListMode.AT_LAST_RV;
    relistReason = "expired";
    failures.recovered("list");
    answered();
  }

  private void listPaged(ListMode mode, String reason) throws IOException {
    health.relisting();
    metrics.informerRelist(health.name(), reason);
    Pages pages = new Pages(mode);
    switch (ListChunks.read(pageSize, pages)) {
      case COMPLETE -> {
        if (stopped) {
          throw new InterruptedIOException("stopped");
        }
        store.replace(pages.items);
        lastRv = pages.rv;
        health.listed();
      }
      case STOPPED -> throw new InterruptedIOException("stopped");
      case CONTINUE_EXPIRED -> {
        // Not the list's resourceVersion expiring: a consistent relist would page the same way.
        listMode = ListMode.CONSISTENT;
        throw new IOException(
            "continue tokens expired "
                + (ListChunks.MAX_RESTARTS + 1)
                + " times in a row; giving up this attempt",
            pages.expired);
      }
      case REPEATED_CONTINUE ->
          throw new IOException(
              "the server returned the same continue token twice; the list would never end");
      case NEVER_ENDING ->
          throw new IOException(
              "the list did not end within " + ListChunks.MAX_LIST_OBJECTS + " objects' pages");
    }
  }

  /** One list's pages, for {@link ListChunks}: each page's items, transformed as they come. */
  private final class Pages implements ListChunks.Reader {
    private ListMode pageMode;
    private List<T> items;
    private String rv;
    // The last expired continue token's answer: the cause when the attempt gives up.
    private ApiStatusException expired;

    Pages(ListMode mode) {
      this.pageMode = mode;
    }

    @Override
    public void start(int restarts) throws IOException {
      if (restarts > 0) {
        if (stopped) {
          throw new InterruptedIOException("stopped");
        }
        // The continue token expired between pages: restart from the top, consistently.
        pageMode = ListMode.CONSISTENT;
        log.info("{}: continue token expired; restarting the paged list ({})", name, restarts);
      }
      items = new ArrayList<>();
      rv = null;
    }

    @Override
    public ListChunks.Page page(int index, String cont) throws IOException {
      if (index > 0 && stopped) {
        return ListChunks.Page.stop();
      }
      L page;
      try {
        page = fetchList(listQuery(pageMode, cont), index);
      } catch (ApiStatusException e) {
        if (e.expired() && cont != null) {
          expired = e;
          return ListChunks.Page.continueExpired();
        }
        throw e;
      }
      for (KubernetesObject item : page.getItems()) {
        items.add(transform.apply(type.cast(item)));
      }
      if (page.getMetadata() == null || page.getMetadata().getResourceVersion() == null) {
        throw new IOException("list answered without metadata.resourceVersion");
      }
      rv = page.getMetadata().getResourceVersion();
      return ListChunks.Page.read(emptyToNull(page.getMetadata().getContinue()));
    }
  }

  private List<Pair> listQuery(ListMode mode, String cont) {
    Map<String, String> q = selectors();
    if (cont != null) {
      // The apiserver refuses a resourceVersion with continue; client-go's pager clears it.
      q.put("continue", cont);
      q.put("limit", Integer.toString(pageSize));
    } else {
      switch (mode) {
        case INITIAL -> {
          q.put("resourceVersion", "0");
          q.put("limit", Integer.toString(pageSize));
        }
        case AT_LAST_RV -> q.put("resourceVersion", lastRv);
        case CONSISTENT -> q.put("limit", Integer.toString(pageSize));
      }
    }
    return pairs(q);
  }

  /**
   * @param pageIndex the page's place in this list (0 first). Each page is charged by the budgets
   *     as the one request it is; as a library call, it waits its turn and is never refused.
   */
  private L fetchList(List<Pair> query, int pageIndex) throws IOException {
    Request request =
        request(query, "application/json")
            .newBuilder()
            .tag(CacheFillList.class, CacheFillList.INSTANCE)
            .build();
    if (query.stream().anyMatch(p -> p.getName().equals("limit"))) {
      request = request.newBuilder().tag(ListPage.class, new ListPage(pageIndex, pageSize)).build();
    }
    Call call = api.getHttpClient().newCall(request);
    currentCall = call;
    if (stopped) {
      call.cancel();
    }
    try (Response response = call.execute()) {
      if (!response.isSuccessful()) {
        throw ApiStatusException.fromHttp("list", response);
      }
      L list = api.handleResponse(response, listType);
      if (list == null) {
        throw new IOException("list answered with an empty body");
      }
      return list;
    } catch (ApiException | RuntimeException e) {
      throw new IOException(
          "could not decode the list of "
              + type.getSimpleName()
              + ": "
              + JsonLinesWatchReader.safeMessage(e),
          e);
    } finally {
      currentCall = null;
    }
  }

  // ---------------------------------------------------------------- WATCH

  enum WatchEnd {
    /** Resume at the last resourceVersion now. */
    RESUME,
    /** Ended too soon: back off first. */
    SHORT
  }

  /**
   * One watch, to its end. With {@code streamingList}, a streaming list: the initial state arrives
   * as ADDED events and replaces the store at the initial-events-end bookmark, then the same stream
   * goes on as an ordinary watch.
   */
  private String groupVersion() {
    return endpoint.group().isEmpty()
        ? endpoint.version()
        : endpoint.group() + "/" + endpoint.version();
  }

  private WatchEnd watch(boolean streamingList) throws IOException {
    phase = streamingList ? "streaming list" : "watch";
    int timeoutSeconds = WATCH_TIMEOUT_MIN_SECONDS + random.nextInt(WATCH_TIMEOUT_SPAN_SECONDS);
    Map<String, String> q = selectors();
    q.put("allowWatchBookmarks", "true");
    if (streamingList) {
      if (listMode == ListMode.AT_LAST_RV && lastRv != null) {
        q.put("resourceVersion", lastRv);
      }
      q.put("resourceVersionMatch", "NotOlderThan");
      q.put("sendInitialEvents", "true");
      health.relisting();
      metrics.informerRelist(health.name(), relistReason);
    } else {
      q.put("resourceVersion", lastRv);
    }
    q.put("timeoutSeconds", Integer.toString(timeoutSeconds));
    q.put("watch", "true");
    Call call = watchHttp.newCall(request(pairs(q), format.accept(type, groupVersion())));
    call.timeout().timeout(timeoutSeconds + WATCH_CALL_GRACE.toSeconds(), TimeUnit.SECONDS);
    long start = clock.nanoTime();
    WatchState ws = new WatchState(call, start, streamingList);
    currentWatch = ws;
    if (stopped) {
      call.cancel();
    }
    int events = 0;
    long opened = -1;
    Map<String, T> initial = streamingList ? new LinkedHashMap<>() : null;
    try {
      Response response = call.execute();
      if (!response.isSuccessful()) {
        ApiStatusException e;
        try (response) {
          e = ApiStatusException.fromHttp(phase, response);
        }
        if (streamingList
            && e.code() >= 400
            && e.code() < 500
            && e.code() != 410
            && e.code() != 429) {
          throw new WatchListUnsupportedException("answered " + e.getMessage());
        }
        throw e;
      }
      health.watchConnected(true);
      opened = clock.nanoTime();
      ws.arm();
      ws.armAnswered();
      try (WatchEventReader<T> reader = format.open(response, type)) {
        WatchEvent<T> event;
        boolean recoveryLogged = false;
        while ((event = reader.next()) != null) {
          events++;
          if (handle(event, initial)) {
            initial = null;
            ws.initialDone();
          }
          long now = clock.nanoTime();
          // After handle(): a first bookmark arms the watchdog.
          ws.progress(now);
          // The outage is over at the first event or bookmark of a watch that has lasted longer
          // than a short one, not when that watch ends 5-10 min later. Not sooner: a server that
          // sends one event and closes at once would log a recovery between every two failures.
          if (!recoveryLogged && initial == null && now - opened >= SHORT_WATCH.toNanos()) {
            recoveryLogged = true;
            failures.recovered(phase);
            answered();
          }
        }
      }
    } catch (IOException e) {
      if (ws.fired && !stopped) {
        if (initial != null) {
          throw new WatchListUnsupportedException(
              "no event and no initial-events-end bookmark for "
                  + WATCH_LIST_SILENCE.toSeconds()
                  + " s");
        }
        throw new IOException(
            "no event or bookmark for "
                + FailureLog.seconds(watchdogTimeout)
                + " (watchdog); restarting the watch at "
                + lastRv,
            e);
      }
      throw e;
    } finally {
      ws.disarm();
      currentWatch = null;
      health.watchConnected(false);
      watchLasted(opened);
    }
    if (initial != null && !stopped) {
      throw new WatchListUnsupportedException(
          "the stream ended before the initial-events-end bookmark");
    }
    // From the answer, not from the call: a watch that waited its turn in the client's token
    // bucket and then ended at once is still the server ending it at once.
    if (opened >= 0 && clock.nanoTime() - opened >= SHORT_WATCH.toNanos()) {
      shortWatchesInRow = 0;
      failures.recovered("watch");
      return WatchEnd.RESUME;
    }
    // Short but with events: resume once at once; a server that keeps cutting watches short gets
    // the backoff whatever it sends, so no server can drive a hot loop.
    if (events > 0 && shortWatchesInRow++ == 0) {
      return WatchEnd.RESUME;
    }
    return WatchEnd.SHORT;
  }

  /** Applies one event; true when it was a streaming list's initial-events-end bookmark. */
  private boolean handle(WatchEvent<T> event, Map<String, T> initial) throws IOException {
    switch (event.type()) {
      case ERROR:
        throw ApiStatusException.fromStatus(phase, event.status());
      case BOOKMARK:
        {
          health.event(true);
          String rv = resourceVersion(event.object());
          if (initial != null) {
            if (!isInitialEventsEnd(event.object())) {
              throw new WatchListUnsupportedException(
                  "a bookmark without "
                      + INITIAL_EVENTS_END
                      + " came before the initial state ended");
            }
            if (rv == null) {
              throw new IOException("initial-events-end bookmark without a resourceVersion");
            }
            store.replace(initial.values());
            lastRv = rv;
            health.listed();
            needList = false;
            listMode = ListMode.AT_LAST_RV;
            relistReason = "expired";
            failures.recovered("streaming list");
            answered();
            return true;
          }
          if (rv != null) {
            lastRv = rv;
          }
          return false;
        }
      case ADDED:
      case MODIFIED:
      case DELETED:
        {
          health.event(false);
          T object = transform.apply(event.object());
          if (initial != null) {
            if (event.type() != WatchEvent.Type.ADDED) {
              throw new WatchListUnsupportedException(
                  event.type() + " came before the initial-events-end bookmark");
            }
            // Initial events are not in resourceVersion order: only the end bookmark sets it.
            initial.put(Caches.metaNamespaceKeyFunc(object), object);
            return false;
          }
          if (event.type() == WatchEvent.Type.DELETED) {
            store.delete(object);
          } else {
            store.upsert(object);
          }
          changed.run();
          String rv = resourceVersion(object);
          if (rv != null) {
            lastRv = rv;
          }
          return false;
        }
      default:
        throw new IOException("unknown watch event type " + event.type());
    }
  }

  /**
   * The state of one open watch, shared with the watchdog timer. The watchdog arms only after the
   * first bookmark this informer has seen: only the watch cache sends bookmarks, and a quiet watch
   * served by etcd is healthy.
   */
  private final class WatchState {
    final Call call;
    volatile long lastProgress;
    volatile boolean fired;
    private boolean initialPending;
    private boolean done;
    private TimeSource.Timer timer;
    private TimeSource.Timer answeredTimer;

    WatchState(Call call, long start, boolean initialPending) {
      this.call = call;
      this.lastProgress = start;
      this.initialPending = initialPending;
    }

    void progress(long now) {
      lastProgress = now;
      synchronized (this) {
        if (timer == null) {
          arm();
        }
      }
    }

    synchronized void initialDone() {
      initialPending = false;
    }

    private Duration limit() {
      if (initialPending) {
        return WATCH_LIST_SILENCE;
      }
      return health.bookmarkSeen() ? watchdogTimeout : null;
    }

    synchronized void arm() {
      Duration limit = limit();
      if (done || limit == null) {
        return;
      }
      long due = lastProgress + limit.toNanos() - clock.nanoTime();
      timer = clock.schedule(Duration.ofNanos(Math.max(0, due)), this::check);
    }

    private void check() {
      synchronized (this) {
        timer = null;
        Duration limit = limit();
        if (done || limit == null) {
          return;
        }
        if (clock.nanoTime() - lastProgress < limit.toNanos()) {
          arm();
          return;
        }
        fired = true;
      }
      // The failure line that follows says why; this one is for debugging the timer.
      log.debug(
          "{}: no event or bookmark for {}; cancelling the watch",
          name,
          FailureLog.seconds(limit()));
      call.cancel();
    }

    /**
     * A watch still open after {@link #SHORT_WATCH} is the server answering again, even on a quiet
     * resource that sends nothing for a minute; one that ends sooner is not.
     */
    synchronized void armAnswered() {
      if (done || initialPending) {
        return;
      }
      answeredTimer =
          clock.schedule(
              SHORT_WATCH,
              () -> {
                synchronized (this) {
                  answeredTimer = null;
                  if (done) {
                    return;
                  }
                }
                try {
                  answered();
                } catch (Throwable t) {
                  log.warn("{}: watch-open timer failed", name, t);
                }
              });
    }

    synchronized void disarm() {
      done = true;
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      if (answeredTimer != null) {
        answeredTimer.cancel();
        answeredTimer = null;
      }
    }
  }

  /** The server ignored or refused {@code sendInitialEvents}: fall back to LIST then WATCH. */
  static final class WatchListUnsupportedException extends IOException {
    WatchListUnsupportedException(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------- requests

  /** Selectors first; callers add the rest. Sorted on the wire, as client-go encodes queries. */
  private Map<String, String> selectors() {
    Map<String, String> q = new HashMap<>();
    if (endpoint.labelSelector() != null) {
      q.put("labelSelector", endpoint.labelSelector());
    }
    if (endpoint.fieldSelector() != null) {
      q.put("fieldSelector", endpoint.fieldSelector());
    }
    return q;
  }

  private static List<Pair> pairs(Map<String, String> q) {
    List<Pair> pairs = new ArrayList<>();
    q.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> pairs.add(new Pair(e.getKey(), e.getValue())));
    return pairs;
  }

  private Request request(List<Pair> query, String accept) throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", accept);
    try {
      // Built by the client, so the base path, authentication and User-Agent stay the user's.
      return api.buildRequest(
          null,
          endpoint.path(),
          "GET",
          query,
          new ArrayList<>(),
          null,
          headers,
          new HashMap<>(),
          new HashMap<>(),
          new String[] {"BearerToken"},
          null);
    } catch (ApiException e) {
      throw new IOException("could not build the request: " + e.getMessage(), e);
    }
  }

  private static String resourceVersion(KubernetesObject o) {
    return o == null || o.getMetadata() == null ? null : o.getMetadata().getResourceVersion();
  }

  private static boolean isInitialEventsEnd(KubernetesObject o) {
    return o != null
        && o.getMetadata() != null
        && o.getMetadata().getAnnotations() != null
        && "true".equals(o.getMetadata().getAnnotations().get(INITIAL_EVENTS_END));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
