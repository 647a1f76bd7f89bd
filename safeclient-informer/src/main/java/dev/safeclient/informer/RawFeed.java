package dev.safeclient.informer;

import dev.safeclient.informer.internal.Reflector;
import dev.safeclient.informer.internal.ReflectorHealth;
import java.util.Collection;
import java.util.List;

/**
 * One resource (with its namespace and selectors) kept in line with the server by the informer's
 * reflector, handed to a {@link RawFeedListener} as the bytes the server sent: never decoded into
 * client-java models, which drop {@code managedFields} and any field they lack. Made by {@link
 * SafeInformerFactory#rawFeed}.
 *
 * <p>The reflector is the informer's, unchanged: list ({@code resourceVersion=0&limit=500}, paged)
 * then watch with bookmarks, resume at the last resourceVersion, relist not older than it after a
 * 410, client-go's jittered backoff, the client's budgets and recovery wave, a watchdog on silent
 * watches.
 *
 * <p>This release reads JSON only: its lists and watches ask for {@code application/json} even
 * where the client negotiates Protobuf for other calls. Protobuf comes in a later release; {@link
 * RawObject#contentType()} is there for it.
 */
public final class RawFeed {
  private final String name;
  private final Reflector<RawObject> reflector;
  private final ReflectorHealth health;

  RawFeed(String name, Reflector<RawObject> reflector, ReflectorHealth health) {
    this.name = name;
    this.reflector = reflector;
    this.health = health;
  }

  /** Names the feed in logs, metrics and health: {@code v1/pods ns=default (raw)}. */
  public String name() {
    return name;
  }

  /** Starts the feed's thread; returns at once. Once only: a stopped feed stays stopped. */
  public void start() {
    reflector.start("safeclient-raw-feed " + name);
  }

  /** Stops the feed: cancels its list or watch and waits for its thread to end. */
  public void stop() {
    reflector.stop();
  }

  /** True once the first list reached the listener ({@link RawFeedListener#replaced}); stays so. */
  public boolean hasSynced() {
    return health.hasSynced();
  }

  /**
   * The resourceVersion the listener has been told last (a list, event or bookmark): the feed's
   * state is that one. Null before the first list.
   */
  public String lastSyncResourceVersion() {
    return reflector.lastResourceVersion();
  }

  /** The feed's health: synced, watch connected, staleness, relists, local failures. */
  public InformerHealth health() {
    return new InformerHealthView(health);
  }

  @Override
  public String toString() {
    return "RawFeed[" + health + "]";
  }

  /** Hands the reflector's writes to the listener. */
  static final class ListenerStore implements Reflector.Store<RawObject> {
    private final RawFeedListener listener;

    ListenerStore(RawFeedListener listener) {
      this.listener = listener;
    }

    @Override
    public void replace(Collection<RawObject> items, String resourceVersion) {
      listener.replaced(List.copyOf(items), resourceVersion);
    }

    @Override
    public void added(RawObject object) {
      listener.added(object);
    }

    @Override
    public void modified(RawObject object) {
      listener.modified(object);
    }

    @Override
    public void deleted(RawObject object) {
      listener.deleted(object);
    }

    @Override
    public void progressed(String resourceVersion) {
      listener.progressed(resourceVersion);
    }
  }
}
