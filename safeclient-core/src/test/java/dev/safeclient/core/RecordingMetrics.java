package dev.safeclient.core;

import dev.safeclient.core.metrics.SafeClientMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the pipeline reports, as "kind:detail" strings. */
public final class RecordingMetrics implements SafeClientMetrics {
  public final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void requestCompleted(String verb, String resource, int code, long nanos) {
    events.add("request:" + verb + " " + resource + " " + code);
  }

  @Override
  public void retry(String reason) {
    events.add("retry:" + reason);
  }

  @Override
  public void throttleWait(String budget, long nanos) {
    events.add("wait:" + budget);
  }

  @Override
  public void listCost(String resource, int seats) {
    events.add("listCost:" + resource + " " + seats);
  }

  @Override
  public void warning(String ruleId) {
    events.add("warning:" + ruleId);
  }

  @Override
  public void breakerState(String key, String state) {
    events.add("breaker:" + state);
  }

  public List<String> of(String kind) {
    return events.stream()
        .filter(e -> e.startsWith(kind + ":"))
        .map(e -> e.substring(kind.length() + 1))
        .toList();
  }
}
