package dev.safeclient.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/** Plays a {@link FaultScript}: decides, per request, which fault (if any) applies. */
final class FaultPlayer {
  private final Clock clock;
  private volatile FaultScript script = FaultScript.none();
  private volatile long startMillis;
  private long requestNo;
  private long[] matched = new long[0];
  private final List<FaultEvent> log = new CopyOnWriteArrayList<>();

  FaultPlayer(Clock clock) {
    this.clock = clock;
  }

  synchronized void play(FaultScript s) {
    script = s;
    startMillis = clock.millis();
    requestNo = 0;
    matched = new long[s.rules.size()];
    log.clear();
  }

  /** The fault for this request, or null. Synchronized: numbering must follow arrival order. */
  synchronized Fault next(String verb, String resource) {
    requestNo++;
    long elapsed = clock.millis() - startMillis;
    List<FaultRule> rules = script.rules;
    // Every rule counts its own matching requests, whichever rule fires.
    long[] n = new long[rules.size()];
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).matches(verb, resource)) {
        n[i] = ++matched[i];
      }
    }
    for (int i = 0; i < rules.size(); i++) {
      FaultRule r = rules.get(i);
      if (r.fault.kind() == Fault.Kind.OUTAGE || !r.matches(verb, resource)) {
        continue;
      }
      boolean inWindow =
          r.isTimed()
              ? elapsed >= r.from.toMillis() && elapsed < r.until.toMillis()
              : n[i] >= r.firstRequest && n[i] <= r.lastRequest;
      if (!inWindow) {
        continue;
      }
      if (r.probability < 1.0) {
        // One draw per (seed, rule, n): the same sequence replays the same faults.
        SplittableRandom rnd = new SplittableRandom(script.seed * 1_000_003L + i * 7919L + n[i]);
        if (rnd.nextDouble() >= r.probability) {
          continue;
        }
      }
      log.add(new FaultEvent(requestNo, verb, resource, r.fault.toString()));
      return r.fault;
    }
    return null;
  }

  /** Rules whose time window is open now (for OUTAGE and DROP_WATCHES edges). */
  synchronized List<FaultRule> activeTimedRules() {
    long elapsed = clock.millis() - startMillis;
    List<FaultRule> out = new ArrayList<>();
    for (FaultRule r : script.rules) {
      if (r.isTimed() && elapsed >= r.from.toMillis() && elapsed < r.until.toMillis()) {
        out.add(r);
      }
    }
    return out;
  }

  void record(FaultEvent e) {
    log.add(e);
  }

  List<FaultEvent> log() {
    return List.copyOf(log);
  }
}
