package dev.safeclient.relay.internal;

import dev.safeclient.informer.RawFeedListener;
import dev.safeclient.informer.RawObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A raw feed's calls, told to one resource's cache. */
public final class FeedToCache implements RawFeedListener {
  private static final Logger LOG = LoggerFactory.getLogger(FeedToCache.class);

  private final ResourceSpec spec;
  private final ResourceCache cache;

  public FeedToCache(ResourceSpec spec, CacheFeed cache) {
    this.spec = spec;
    this.cache = (ResourceCache) cache;
  }

  @Override
  public void replaced(List<RawObject> items, String resourceVersion) {
    List<CachedObject> objects = new ArrayList<>(items.size());
    for (RawObject o : items) {
      CachedObject c = stored(o);
      if (c != null) {
        objects.add(c);
      }
    }
    if (!items.isEmpty()) {
      cache.listItemsBare(!items.get(0).hasTypeMeta());
    }
    cache.replaced(objects, ResourceVersions.parse(resourceVersion));
  }

  @Override
  public void added(RawObject object) {
    CachedObject c = stored(object);
    if (c != null) {
      cache.added(c);
    }
  }

  @Override
  public void modified(RawObject object) {
    CachedObject c = stored(object);
    if (c != null) {
      cache.modified(c);
    }
  }

  @Override
  public void deleted(RawObject object) {
    CachedObject c = stored(object);
    if (c != null) {
      cache.deleted(c);
    }
  }

  @Override
  public void progressed(String resourceVersion) {
    cache.progressed(ResourceVersions.parse(resourceVersion));
  }

  private CachedObject stored(RawObject o) {
    try {
      return CachedObject.of(o, spec.kind(), spec.apiVersion(), spec.nodeIndexed());
    } catch (IllegalArgumentException e) {
      // An object the RV rules cannot place (no name, no numeric RV): never served. Names only.
      LOG.warn("{}: skipped {}: {}", spec, o, e.getMessage());
      return null;
    }
  }
}
