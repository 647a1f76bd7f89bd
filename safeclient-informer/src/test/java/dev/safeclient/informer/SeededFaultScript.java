package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.errorEvent;
import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.managedFields;
import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.status;
import static dev.safeclient.informer.K8sJson.tooLargeStatus;
import static dev.safeclient.model.testing.ScriptedApiServer.json;

import dev.safeclient.model.testing.ScriptedApiServer;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;

/**
 * The script of an API server for one namespace of pods whose state changes while it misbehaves,
 * answered through the one scripted exact-wire server ({@link ScriptedApiServer}, which records
 * every request). KubeSim's fault scripts model faults by rule; this is a seeded schedule that
 * changes state on every request, compacts at random, truncates frames, drops connections on lists
 * and pages at random, which a fault rule does not express. For its first {@code chaosRequests}
 * requests each request first applies a few random creates, updates and deletes (names are reused,
 * with new UIDs), may compact history, and may be answered with a fault: 500, 429 with Retry-After,
 * 410, a dropped connection, an empty stream, a truncated frame, an ERROR event, a watch cut short,
 * an expired continue token. After that it is calm: no changes, no faults, and watches stay open.
 * Everything it decides comes from one seeded generator, and the reflector sends one request at a
 * time, so a seed replays the same schedule.
 */
final class SeededFaultScript implements Closeable {
  record Obj(String name, String uid, long rv, int data) {
    String json() {
      return pod(
          "default",
          name,
          uid,
          Long.toString(rv),
          ",\"labels\":{\"data\":\"" + data + "\"}" + managedFields());
    }
  }

  private record Change(long rv, String type, String json) {}

  private record Snapshot(List<Obj> items, long rv) {}

  /** Pages of at most this many: small, so that paging and expired continues happen. */
  private static final int PAGE = 3;

  private static final int NAMES = 8;

  /** The one scripted exact-wire server, answering every request with this script. */
  private final ScriptedApiServer server;

  private final Random rng;
  private final int chaosRequests;
  private final boolean supportsWatchList;
  private final Map<String, Obj> live = new TreeMap<>();
  private final List<Change> history = new ArrayList<>();
  private final Map<String, Snapshot> snapshots = new HashMap<>();
  private final List<String> log = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private long rv = 100;
  private long compactedRv = 100;
  private int requests;
  private int uids;
  private int tokens;
  private volatile boolean calmWatchServed;
  private boolean complete;

  SeededFaultScript(long seed, int chaosRequests, boolean supportsWatchList) throws IOException {
    this.rng = new Random(seed);
    this.chaosRequests = chaosRequests;
    this.supportsWatchList = supportsWatchList;
    for (int i = 0; i < 1 + rng.nextInt(5); i++) {
      mutate();
    }
    server = new ScriptedApiServer(null).otherwise(this::answer);
  }

  String url() {
    return server.url();
  }

  /** Faults are over and a watch is being held open. */
  boolean calmWatchServed() {
    return calmWatchServed;
  }

  synchronized Map<String, Obj> state() {
    return Map.copyOf(live);
  }

  synchronized String log() {
    return String.join("\n  ", log.subList(Math.max(0, log.size() - 60), log.size()));
  }

  synchronized MockResponse answer(RecordedRequest r) {
    requests++;
    boolean chaos = requests <= chaosRequests;
    String target = r.getUrl().encodedPath() + "?" + r.getUrl().encodedQuery();
    if (chaos) {
      for (int i = rng.nextInt(4); i > 0; i--) {
        mutate();
      }
      if (rng.nextInt(6) == 0) {
        compactedRv = rv;
      }
    }
    boolean watch = "true".equals(r.getUrl().queryParameter("watch"));
    MockResponse answer = null;
    String what = null;
    if (chaos && rng.nextInt(100) < 40) {
      int f = rng.nextInt(watch ? 8 : 5);
      switch (f) {
        case 0 -> {
          what = "500";
          answer = json(500, status(500, "InternalError", "etcdserver: request timed out"));
        }
        case 1 -> {
          what = "429";
          answer =
              new MockResponse.Builder()
                  .code(429)
                  .setHeader("Retry-After", Integer.toString(rng.nextInt(4)))
                  .setHeader("Content-Type", "application/json")
                  .body(status(429, "TooManyRequests", "storage is (re)initializing"))
                  .build();
        }
        case 2 -> {
          what = "410";
          answer = json(410, status(410, "Expired", "too old resource version"));
        }
        case 3 -> {
          what = "dropped connection";
          answer =
              new MockResponse.Builder()
                  .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
                  .build();
        }
        case 4 -> {
          what = watch ? "504" : "504 too large";
          answer = json(504, tooLargeStatus());
        }
        case 5 -> {
          what = "empty stream";
          answer = json(200, "");
        }
        case 6 -> {
          what = "truncated frame";
          answer = json(200, watchBody(r, false) + "{\"type\":\"MODIFIED\",\"object\":{\"metad");
        }
        default -> {
          what = "ERROR 410 event";
          answer = json(200, watchBody(r, true) + errorEvent(410, "Expired"));
        }
      }
    }
    if (answer == null) {
      what = "ok";
      answer = watch ? watch(r, chaos) : list(r);
    }
    log.add(requests + (chaos ? " chaos " : " calm ") + target + " -> " + what);
    return answer;
  }

  private void mutate() {
    int op = rng.nextInt(10);
    if (live.isEmpty() || op < 4) {
      String name = "p" + rng.nextInt(NAMES);
      Obj old = live.get(name);
      if (old == null) {
        Obj o = new Obj(name, "uid-" + ++uids, ++rv, rng.nextInt(1000));
        live.put(name, o);
        history.add(new Change(rv, "ADDED", o.json()));
        return;
      }
    }
    List<Obj> all = new ArrayList<>(live.values());
    Obj victim = all.get(rng.nextInt(all.size()));
    if (op < 7) {
      Obj o = new Obj(victim.name(), victim.uid(), ++rv, rng.nextInt(1000));
      live.put(o.name(), o);
      history.add(new Change(rv, "MODIFIED", o.json()));
    } else {
      live.remove(victim.name());
      Obj gone = new Obj(victim.name(), victim.uid(), ++rv, victim.data());
      history.add(new Change(rv, "DELETED", gone.json()));
    }
  }

  private MockResponse list(RecordedRequest r) {
    String cont = r.getUrl().queryParameter("continue");
    String limit = r.getUrl().queryParameter("limit");
    String asked = r.getUrl().queryParameter("resourceVersion");
    Snapshot snap;
    int from;
    if (cont != null) {
      String[] parts = cont.split(":");
      snap = snapshots.get(parts[0]);
      if (snap == null) {
        return json(410, status(410, "Expired", "continue token expired"));
      }
      from = Integer.parseInt(parts[1]);
    } else {
      if (asked != null && !asked.equals("0") && Long.parseLong(asked) > rv) {
        return json(504, tooLargeStatus());
      }
      snap = new Snapshot(List.copyOf(live.values()), rv);
      from = 0;
      // RV=0 from a watch cache ignores limit; with the cache disabled it pages.
      boolean paged = limit != null && (asked == null || rng.nextBoolean());
      if (!paged) {
        return json(200, listJson(snap.items(), snap.rv(), null));
      }
    }
    int to = Math.min(snap.items().size(), from + Math.min(PAGE, Integer.parseInt(limit)));
    String next = null;
    if (to < snap.items().size()) {
      String id = "t" + ++tokens;
      snapshots.put(id, snap);
      next = id + ":" + to;
      if (rng.nextInt(4) == 0) {
        snapshots.remove(id); // expires before the client comes back
      }
    }
    return json(200, listJson(snap.items().subList(from, to), snap.rv(), next));
  }

  private static String listJson(List<Obj> items, long rv, String cont) {
    return K8sJson.podList(
        Long.toString(rv), cont, items.stream().map(Obj::json).toArray(String[]::new));
  }

  private MockResponse watch(RecordedRequest r, boolean chaos) {
    if ("true".equals(r.getUrl().queryParameter("sendInitialEvents"))) {
      return streamingList(r, chaos);
    }
    long from = Long.parseLong(r.getUrl().queryParameter("resourceVersion"));
    if (from < compactedRv) {
      return rng.nextBoolean()
          ? json(410, status(410, "Expired", "too old resource version"))
          : json(200, errorEvent(410, "Expired"));
    }
    String body = watchBody(r, false, chaos);
    if (complete && rng.nextBoolean()) {
      // Only after every change up to rv was sent: a bookmark promises exactly that.
      body += K8sJson.bookmark(Long.toString(rv));
    }
    if (chaos) {
      return json(200, body);
    }
    calmWatchServed = true;
    return hold(body);
  }

  /**
   * A streaming list: the current state as ADDED events in no particular order, then the
   * initial-events-end bookmark. A server without the feature refuses, or sends an ordinary watch
   * from now (synthetic ADDED events, then a plain bookmark or the end).
   */
  private MockResponse streamingList(RecordedRequest r, boolean chaos) {
    List<Obj> state = new ArrayList<>(live.values());
    java.util.Collections.shuffle(state, rng);
    StringBuilder b = new StringBuilder();
    for (Obj o : state) {
      b.append(event("ADDED", o.json()));
    }
    if (supportsWatchList) {
      b.append(K8sJson.initialEventsEnd(Long.toString(rv)));
    } else if (rng.nextBoolean()) {
      return json(422, status(422, "Invalid", "sendInitialEvents is forbidden for watch"));
    } else if (!chaos || rng.nextBoolean()) {
      b.append(K8sJson.bookmark(Long.toString(rv)));
    }
    if (chaos) {
      return json(200, b.toString());
    }
    calmWatchServed = true;
    return hold(b.toString());
  }

  /** The changes after the watch's resourceVersion; {@code some}: a random prefix of them. */
  private String watchBody(RecordedRequest r, boolean some) {
    return watchBody(r, some, true);
  }

  private String watchBody(RecordedRequest r, boolean some, boolean mayCut) {
    String asked = r.getUrl().queryParameter("resourceVersion");
    long from = asked == null ? rv : Long.parseLong(asked);
    List<Change> after = history.stream().filter(c -> c.rv() > from).toList();
    if (from < compactedRv) {
      after = List.of();
    }
    int n = some || (mayCut && rng.nextInt(4) == 0) ? rng.nextInt(after.size() + 1) : after.size();
    complete = n == after.size();
    StringBuilder b = new StringBuilder();
    for (Change c : after.subList(0, n)) {
      b.append(event(c.type(), c.json()));
    }
    return b.toString();
  }

  private MockResponse hold(String lines) {
    return ScriptedApiServer.heldWatch(lines, release);
  }

  @Override
  public void close() {
    release.countDown();
    server.close();
  }
}
