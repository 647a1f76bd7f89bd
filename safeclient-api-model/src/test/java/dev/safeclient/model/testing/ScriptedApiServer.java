package dev.safeclient.model.testing;

import dev.safeclient.model.time.TimeSource;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;

/**
 * The one scripted exact-wire API server of every module's tests: a MockWebServer dispatcher that
 * answers from a script and records every request (path, query and headers, as {@link
 * RecordedRequest} has them) with the time it arrived on the test's {@link TimeSource}. For what a
 * real apiserver does with state (storage, caches, APF, faults over time), use KubeSim.
 *
 * <ul>
 *   <li>{@link #ScriptedApiServer(TimeSource)}: on a server of its own; a request past the end of
 *       the script is held open and silent (a quiet watch), so that a test never races a reflector
 *       that keeps going.
 *   <li>{@link #dispatcher(TimeSource)}: for a MockWebServer the test owns ({@code
 *       server.setDispatcher(script)}); a request past the end of the script is answered {@code 200
 *       {}}.
 * </ul>
 */
public final class ScriptedApiServer extends Dispatcher implements Closeable {
  /** One request as the server saw it, and the time ({@link TimeSource#nanoTime()}) it arrived. */
  public record Seen(RecordedRequest request, long atNanos) {
    public String path() {
      return request.getUrl().encodedPath();
    }

    /** The query as sent, percent-encoded. */
    public String query() {
      return request.getUrl().encodedQuery();
    }

    public String param(String name) {
      return request.getUrl().queryParameter(name);
    }
  }

  private final TimeSource clock;
  private final MockWebServer server;
  private final Deque<Function<RecordedRequest, MockResponse>> script =
      new ConcurrentLinkedDeque<>();
  private final LinkedBlockingQueue<Seen> arrivals = new LinkedBlockingQueue<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Function<RecordedRequest, MockResponse> fallback;

  private ScriptedApiServer(TimeSource clock, MockWebServer server) {
    this.clock = clock;
    this.server = server;
    this.fallback = server != null ? r -> hold("") : r -> ok("{}");
  }

  /** A started server of its own, on {@code clock} (null: {@link System#nanoTime()}). */
  public ScriptedApiServer(TimeSource clock) throws IOException {
    this(clock, new MockWebServer());
    server.setDispatcher(this);
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.start();
  }

  /** A dispatcher for a MockWebServer the test owns, on {@code clock} (null: real time). */
  public static ScriptedApiServer dispatcher(TimeSource clock) {
    return new ScriptedApiServer(clock, null);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Seen s = new Seen(request, clock == null ? System.nanoTime() : clock.nanoTime());
    seen.add(s);
    arrivals.add(s);
    Function<RecordedRequest, MockResponse> next = script.pollFirst();
    return (next != null ? next : fallback).apply(request);
  }

  /** The server's base URL, without the trailing slash (a server of its own only). */
  public String url() {
    String u = server.url("/").toString();
    return u.substring(0, u.length() - 1);
  }

  public ScriptedApiServer then(MockResponse response) {
    script.add(r -> response);
    return this;
  }

  public ScriptedApiServer then(int times, MockResponse response) {
    for (int i = 0; i < times; i++) {
      then(response);
    }
    return this;
  }

  public ScriptedApiServer then(Function<RecordedRequest, MockResponse> answer) {
    script.add(answer);
    return this;
  }

  /** What every request past the script gets. */
  public ScriptedApiServer otherwise(Function<RecordedRequest, MockResponse> answer) {
    fallback = answer;
    return this;
  }

  /** The next request not yet taken, waiting up to 10 s (real) for it. */
  public Seen take() throws InterruptedException {
    Seen s = arrivals.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no request within 10 s; seen so far: " + describe());
    }
    return s;
  }

  /** The next request not yet taken, or null if none arrives within {@code millis} (real). */
  public Seen poll(long millis) throws InterruptedException {
    return arrivals.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Every request so far, in order of arrival. */
  public List<Seen> all() {
    return new ArrayList<>(seen);
  }

  /** How many requests arrived so far. */
  public int count() {
    return seen.size();
  }

  public String describe() {
    StringBuilder b = new StringBuilder();
    for (Seen s : seen) {
      b.append("\n  ").append(s.path()).append('?').append(s.query());
    }
    return b.toString();
  }

  public static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  public static MockResponse ok(String json) {
    return json(200, json);
  }

  /** A 200 watch answer that sends {@code lines} and then stays open and silent until close. */
  public MockResponse hold(String lines) {
    return heldWatch(lines, release);
  }

  /**
   * A 200 JSON watch answer that sends {@code lines}, then stays open and silent until {@code
   * release} opens (the server's close), as a quiet but healthy watch does.
   */
  public static MockResponse heldWatch(String lines, CountDownLatch release) {
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/json")
        .body(
            new MockResponseBody() {
              @Override
              public long getContentLength() {
                return -1;
              }

              @Override
              public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8(lines);
                sink.flush();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            })
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

  /** Releases every held watch and stops a server of its own. */
  @Override
  public void close() {
    release.countDown();
    if (server != null) {
      server.close();
    }
  }
}
