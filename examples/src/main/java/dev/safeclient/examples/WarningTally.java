package dev.safeclient.examples;

import dev.safeclient.core.SafetyWarning;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Counts the warnings of many clients by rule id and call site, keeping one example of each. */
final class WarningTally implements Consumer<SafetyWarning> {
  /** One (rule, call site) and how often it fired, suppressed repeats included. */
  record Entry(String ruleId, String callSite, String message, String request, long count) {}

  private record Key(String ruleId, String callSite) {}

  private final Map<Key, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Map<Key, SafetyWarning> examples = new ConcurrentHashMap<>();

  @Override
  public void accept(SafetyWarning w) {
    Key k = new Key(w.ruleId(), w.callSite());
    counts.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(1 + w.suppressedSinceLast());
    examples.putIfAbsent(k, w);
  }

  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    counts.forEach(
        (k, n) -> {
          SafetyWarning w = examples.get(k);
          out.add(new Entry(k.ruleId(), k.callSite(), w.message(), w.request(), n.get()));
        });
    out.sort(Comparator.comparing(Entry::ruleId).thenComparing(Entry::callSite));
    return out;
  }
}
