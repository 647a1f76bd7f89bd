package dev.safeclient.informer;

import dev.safeclient.model.time.VirtualTimeSource;
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
 * A MockWebServer that answers from a script, records every request with the virtual time it
 * arrived at, and holds any request past the end of the script open and silent (a quiet watch), so
 * a test never races a reflector that keeps going.
 */
final class ScriptedApiServer implements Closeable {
  record Seen(RecordedRequest request, long virtualNanos) {
    String path() {
      return request.getUrl().encodedPath();
    }

    /** The query as sent, percent-encoded. */
    String query() {
      return request.getUrl().encodedQuery();
    }

    String param(String name) {
      return request.getUrl().queryParameter(name);
    }
  }

  final MockWebServer server = new MockWebServer();
  private final Deque<Function<RecordedRequest, MockResponse>> script =
      new ConcurrentLinkedDeque<>();
  private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private final List<Seen> all = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Function<RecordedRequest, MockResponse> fallback;

  ScriptedApiServer(VirtualTimeSource clock) throws IOException {
    fallback = r -> hold("");
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            Seen s = new Seen(request, clock.nanoTime());
            all.add(s);
            seen.add(s);
            Function<RecordedRequest, MockResponse> next = script.pollFirst();
            return (next != null ? next : fallback).apply(request);
          }
        });
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.start();
  }

  String url() {
    String u = server.url("/").toString();
    return u.substring(0, u.length() - 1);
  }

  ScriptedApiServer then(MockResponse response) {
    script.add(r -> response);
    return this;
  }

  ScriptedApiServer then(Function<RecordedRequest, MockResponse> answer) {
    script.add(answer);
    return this;
  }

  /** What every request past the script gets; by default a silent, held watch. */
  void otherwise(Function<RecordedRequest, MockResponse> answer) {
    fallback = answer;
  }

  /** The next request, waiting up to 10 s (real) for it. */
  Seen take() throws InterruptedException {
    Seen s = seen.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no request within 10 s; seen so far: " + describe());
    }
    return s;
  }

  /** Asserts no further request arrives within a short real wait. */
  Seen poll(long millis) throws InterruptedException {
    return seen.poll(millis, TimeUnit.MILLISECONDS);
  }

  List<Seen> all() {
    return new ArrayList<>(all);
  }

  String describe() {
    StringBuilder b = new StringBuilder();
    for (Seen s : all) {
      b.append("\n  ").append(s.path()).append('?').append(s.query());
    }
    return b.toString();
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  /** A 200 watch answer that sends {@code lines} and then stays open and silent. */
  MockResponse hold(String lines) {
    return heldWatch(lines, release);
  }

  /**
   * A 200 JSON watch answer that sends {@code lines}, then stays open and silent until {@code
   * release} opens (the server's close), as a quiet but healthy watch does.
   */
  static MockResponse heldWatch(String lines, CountDownLatch release) {
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

  @Override
  public void close() {
    release.countDown();
    server.close();
  }
}
