package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.notFound;
import static dev.safeclient.testing.StatusAnswers.status;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A simulated extension apiserver behind the aggregation layer (metrics-server-like): it keeps its
 * objects in memory, not behind a watch cache, speaks JSON only, ignores {@code limit} (one unpaged
 * answer) and returns no resourceVersion. While "down" the aggregator answers as kube-aggregator's
 * proxyHandler does: {@code 503 service unavailable} in plain text.
 */
final class AggregatedApi {
  private final KubeSim sim;
  private final Set<String> downGroups = ConcurrentHashMap.newKeySet();

  AggregatedApi(KubeSim sim) {
    this.sim = sim;
  }

  boolean serves(ResourceType t) {
    return sim.config().aggregated.contains(t.groupVersionPlural());
  }

  void down(String group, boolean down) {
    if (down) {
      downGroups.add(group);
    } else {
      downGroups.remove(group);
    }
  }

  /** Answers {@code c}; the aggregator admitted it through APF at the minimum seats. */
  void serve(ApiCall c) {
    c.protobuf = false;
    sim.statsLive().seats(1); // no object count for an aggregated resource: minimum seats
    if (downGroups.contains(c.type.group())) {
      c.send(
          new Answer(503, "service unavailable\n".getBytes(StandardCharsets.UTF_8))
              .header("Content-Type", "text/plain; charset=utf-8"));
      return;
    }
    SimStats.servedFrom("extension-apiserver");
    switch (c.verb) {
      case GET:
        c.send(get(c));
        return;
      case LIST:
        c.send(list(c));
        return;
      default:
        c.send(
            status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                null));
    }
  }

  private Answer get(ApiCall c) {
    Etcd etcd = sim.etcd();
    etcd.lock.readLock().lock();
    try {
      StoredObject o =
          etcd.keyspace(c.type)
              .current
              .get(StoredObject.keyOf(c.type.isNamespaced() ? c.namespace : "", c.name));
      return o == null ? notFound(c) : new Answer(200, o.json);
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  private Answer list(ApiCall c) {
    Selector sel;
    try {
      sel = Selector.of(c);
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage(), null);
    }
    List<StoredObject> items = new ArrayList<>();
    Etcd etcd = sim.etcd();
    etcd.lock.readLock().lock();
    try {
      Iterator<StoredObject> it =
          etcd.keyspace(c.type).iterate(c.type.isNamespaced() ? c.namespace : "", "", 0);
      while (it.hasNext()) {
        StoredObject o = it.next();
        if (sel.matches(o)) {
          items.add(o);
        }
      }
    } finally {
      etcd.lock.readLock().unlock();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ("{\"kind\":\""
                + c.type.kind()
                + "List\",\"apiVersion\":\""
                + c.type.apiVersion()
                + "\",\"metadata\":{},\"items\":[")
            .getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(items.get(i).json);
    }
    out.writeBytes("]}".getBytes(StandardCharsets.UTF_8));
    return new Answer(200, out.toByteArray());
  }
}
