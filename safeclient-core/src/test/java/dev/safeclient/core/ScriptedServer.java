package dev.safeclient.core;

import dev.safeclient.model.time.TimeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A MockWebServer dispatcher that answers from a script and records, for each request, the virtual
 * time it arrived at.
 */
public final class ScriptedServer extends Dispatcher {
  /** One request as the server saw it, with the virtual time it arrived. */
  public record Seen(RecordedRequest request, long atNanos) {}

  private final TimeSource clock;
  private final ConcurrentLinkedQueue<MockResponse> script = new ConcurrentLinkedQueue<>();
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private volatile Function<RecordedRequest, MockResponse> fallback = r -> ok("{}");

  public ScriptedServer(TimeSource clock) {
    this.clock = clock;
  }

  public ScriptedServer then(MockResponse r) {
    script.add(r);
    return this;
  }

  public ScriptedServer then(int times, MockResponse r) {
    for (int i = 0; i < times; i++) {
      script.add(r);
    }
    return this;
  }

  /** The answer once the script has run out. */
  public ScriptedServer otherwise(Function<RecordedRequest, MockResponse> f) {
    this.fallback = f;
    return this;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    seen.add(new Seen(request, clock == null ? System.nanoTime() : clock.nanoTime()));
    MockResponse next = script.poll();
    return next != null ? next : fallback.apply(request);
  }

  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  public int count() {
    return seen.size();
  }

  public static MockResponse ok(String json) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(json)
        .build();
  }

  public static final String POD =
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\",\"namespace\":\"default\",\"resourceVersion\":\"7\"}}";

  public static final String POD_LIST =
      "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[]}";

  public static final String LEASE =
      "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"leader\",\"namespace\":\"kube-system\",\"resourceVersion\":\"7\"}}";

  public static final String CONFIG_MAP_LIST =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[]}";

  /** A {@code Status} answer, as the API server sends errors. */
  public static MockResponse status(
      int code, String reason, String message, String causeReason, Long retryAfter, boolean apf) {
    String causes =
        causeReason == null
            ? ""
            : ",\"details\":{\"causes\":[{\"reason\":\"" + causeReason + "\",\"message\":\"x\"}]}";
    MockResponse.Builder b =
        new MockResponse.Builder()
            .code(code)
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                    + "\"message\":\""
                    + message
                    + "\",\"reason\":\""
                    + reason
                    + "\",\"code\":"
                    + code
                    + causes
                    + "}");
    if (retryAfter != null) {
      b.addHeader("Retry-After", retryAfter);
    }
    if (apf) {
      b.addHeader("X-Kubernetes-PF-FlowSchema-UID", "fs-uid-1");
      b.addHeader("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid-1");
    }
    return b.build();
  }

  /** APF's rejection: 429, Retry-After, flow headers. */
  public static MockResponse apf429(long retryAfter) {
    return status(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        null,
        retryAfter,
        true);
  }
}
