package dev.safeclient.informer;

import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What one informer watches and how it starts. Immutable; part of the factory's de-duplication key
 * (namespace, selectors and transform).
 */
public final class InformerOptions {
  /** Start jitter for node agents: spreads a DaemonSet rollout's first lists over 10 s. */
  public static final Duration NODE_AGENT_START_JITTER = Duration.ofSeconds(10);

  private final String namespace;
  private final String labelSelector;
  private final String fieldSelector;
  private final UnaryOperator<Object> transform;
  private final Duration startJitter;
  private final boolean stripManagedFields;
  private final boolean watchList;
  private final Duration watchdogTimeout;
  private final int maxConsecutiveErrors;
  private final boolean recoveryPullForward;

  /**
   * Errors (out of memory, stack overflow) in a row after which the reflector stays stopped. Three:
   * one can be a spike, a second after the backoff is suspicious, a third means the relist itself
   * does not fit in this process, and a fleet of agents relisting into OOM forever is an outage of
   * the control plane. A restart of the process (CrashLoopBackOff) is paced by the kubelet.
   */
  public static final int DEFAULT_MAX_CONSECUTIVE_ERRORS = 3;

  /**
   * How long a watch may stay without an event or bookmark, once this informer has seen a bookmark,
   * before it is restarted: 2.5 times the watch cache's ~60 s bookmark interval, so one late or
   * lost bookmark is tolerated and a dead connection is found within three minutes.
   */
  public static final Duration DEFAULT_WATCHDOG_TIMEOUT = Duration.ofSeconds(150);

  /** The server's bookmark interval: a watchdog at or below it would restart healthy watches. */
  static final Duration SERVER_BOOKMARK_INTERVAL = Duration.ofSeconds(60);

  private InformerOptions(Builder b) {
    this.namespace = b.namespace;
    this.labelSelector = b.labelSelector;
    this.fieldSelector = b.fieldSelector;
    this.transform = b.transform;
    this.startJitter = b.startJitter;
    this.stripManagedFields = b.stripManagedFields;
    this.watchList = b.watchList;
    this.watchdogTimeout = b.watchdogTimeout;
    this.maxConsecutiveErrors = b.maxConsecutiveErrors;
    this.recoveryPullForward = b.recoveryPullForward;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** All namespaces, no selectors, the defaults. */
  public static InformerOptions defaults() {
    return builder().build();
  }

  /** The namespace, or null for all namespaces and cluster-scoped resources. */
  public String namespace() {
    return namespace;
  }

  public String labelSelector() {
    return labelSelector;
  }

  public String fieldSelector() {
    return fieldSelector;
  }

  /** The user's transform, applied before caching; null if none. */
  public UnaryOperator<Object> transform() {
    return transform;
  }

  /**
   * The largest random delay before the first LIST; null means the default ({@link
   * #NODE_AGENT_START_JITTER} when {@code NODE_NAME} is set, else none). {@link Duration#ZERO}
   * turns it off.
   */
  public Duration startJitter() {
    return startJitter;
  }

  /** Drop {@code metadata.managedFields} before caching. On by default. */
  public boolean stripManagedFields() {
    return stripManagedFields;
  }

  /** Streaming list ({@code sendInitialEvents=true}) instead of LIST then WATCH. Off by default. */
  public boolean watchList() {
    return watchList;
  }

  /** See {@link Builder#watchdogTimeout(Duration)}. */
  public Duration watchdogTimeout() {
    return watchdogTimeout;
  }

  /** See {@link Builder#maxConsecutiveErrors(int)}. */
  public int maxConsecutiveErrors() {
    return maxConsecutiveErrors;
  }

  /** See {@link Builder#recoveryPullForward(boolean)}. */
  public boolean recoveryPullForward() {
    return recoveryPullForward;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.namespace = namespace;
    b.labelSelector = labelSelector;
    b.fieldSelector = fieldSelector;
    b.transform = transform;
    b.startJitter = startJitter;
    b.stripManagedFields = stripManagedFields;
    b.watchList = watchList;
    b.watchdogTimeout = watchdogTimeout;
    b.maxConsecutiveErrors = maxConsecutiveErrors;
    b.recoveryPullForward = recoveryPullForward;
    return b;
  }

  public static final class Builder {
    private String namespace;
    private String labelSelector;
    private String fieldSelector;
    private UnaryOperator<Object> transform;
    private Duration startJitter;
    private boolean stripManagedFields = true;
    private boolean watchList;
    private Duration watchdogTimeout = DEFAULT_WATCHDOG_TIMEOUT;
    private int maxConsecutiveErrors = DEFAULT_MAX_CONSECUTIVE_ERRORS;
    private boolean recoveryPullForward = true;

    private Builder() {}

    public Builder namespace(String namespace) {
      this.namespace = emptyToNull(namespace);
      return this;
    }

    public Builder labelSelector(String labelSelector) {
      this.labelSelector = emptyToNull(labelSelector);
      return this;
    }

    public Builder fieldSelector(String fieldSelector) {
      this.fieldSelector = emptyToNull(fieldSelector);
      return this;
    }

    /**
     * A transform applied to each object before it is cached. It is part of the de-duplication key
     * by identity: pass the same instance to share an informer.
     */
    @SuppressWarnings("unchecked")
    public <T> Builder transform(UnaryOperator<T> transform) {
      this.transform = (UnaryOperator<Object>) (UnaryOperator<?>) transform;
      return this;
    }

    public Builder startJitter(Duration startJitter) {
      Objects.requireNonNull(startJitter, "startJitter");
      if (startJitter.isNegative()) {
        throw new IllegalArgumentException("startJitter must not be negative: " + startJitter);
      }
      this.startJitter = startJitter;
      return this;
    }

    public Builder stripManagedFields(boolean strip) {
      this.stripManagedFields = strip;
      return this;
    }

    public Builder watchList(boolean watchList) {
      this.watchList = watchList;
      return this;
    }

    /**
     * Restart a watch that has seen neither an event nor a bookmark for this long. It arms only
     * after the informer's first bookmark: only the watch cache sends bookmarks, and a quiet watch
     * served by etcd is healthy. Must exceed the server's 60 s bookmark interval.
     */
    public Builder watchdogTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(SERVER_BOOKMARK_INTERVAL) <= 0) {
        throw new IllegalArgumentException(
            "watchdogTimeout must exceed the server's 60 s bookmark interval: " + timeout);
      }
      this.watchdogTimeout = timeout;
      return this;
    }

    /**
     * After this many {@code Error}s in a row (no healthy watch of two minutes between them), the
     * reflector stays stopped and its health says {@code STOPPED_ON_ERRORS} (with the Spring
     * starter, liveness fails). Default {@value InformerOptions#DEFAULT_MAX_CONSECUTIVE_ERRORS}.
     */
    public Builder maxConsecutiveErrors(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConsecutiveErrors must be >= 1: " + max);
      }
      this.maxConsecutiveErrors = max;
      return this;
    }

    /**
     * When another informer on the same {@code SafeClient} (in this process) is answered again
     * after the server failed, bring this informer's pending retry forward (about two a second per
     * client, never before a Retry-After, at most once between two of its own successes), and let
     * its own recovery bring the others forward. While the server fails, the informers of one
     * client also keep one of their attempts due within the mean gap of their own retries (2.25 s
     * for 20), never sooner than each one's own backoff step allows, so that the first of them
     * finds the server back soon after it is. On by default; off, it keeps client-go's [30, 60) s
     * schedule alone.
     */
    public Builder recoveryPullForward(boolean on) {
      this.recoveryPullForward = on;
      return this;
    }

    public InformerOptions build() {
      return new InformerOptions(this);
    }

    private static String emptyToNull(String s) {
      return s == null || s.isEmpty() ? null : s;
    }
  }
}
