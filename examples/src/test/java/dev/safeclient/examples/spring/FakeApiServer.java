package dev.safeclient.examples.spring;

import dev.safeclient.model.testing.ScriptedApiServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.BufferedSink;

/**
 * The API server as the node agent sees it: pods of one node, a watch that sends a bookmark every
 * 200 ms, and an outage switch (every request then answers 503). It is the tests' one scripted
 * server ({@link ScriptedApiServer}, which records every request), answering with this logic.
 */
final class FakeApiServer implements Closeable {
  static final String NODE = "node-a";
  private static final String POD =
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"agent-x\","
          + "\"namespace\":\"default\",\"resourceVersion\":\"99\"},"
          + "\"spec\":{\"nodeName\":\""
          + NODE
          + "\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}";
  private static final String LIST =
      "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"100\"},"
          + "\"items\":["
          + POD
          + "]}";
  private static final String BOOKMARK =
      "{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
          + "\"metadata\":{\"resourceVersion\":\"101\"}}}\n";
  // Eight bookmarks 200 ms apart: each watch lives ~1.6 s, longer than the reflector's 1 s
  // "short watch" (which it backs off from), and short enough that an outage is seen at once.
  private static final int BOOKMARKS_PER_WATCH = 8;

  private final ScriptedApiServer server;
  volatile boolean down;

  FakeApiServer() {
    try {
      server = new ScriptedApiServer(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.otherwise(this::answer);
  }

  /** Every request so far, in order of arrival. */
  List<RecordedRequest> requests() {
    return server.all().stream().map(ScriptedApiServer.Seen::request).toList();
  }

  /** A kubeconfig file naming this server. */
  Path kubeconfig() {
    try {
      Path file = Files.createTempFile("node-agent-kubeconfig", ".yaml");
      file.toFile().deleteOnExit();
      Files.writeString(
          file,
          """
          apiVersion: v1
          kind: Config
          clusters:
          - name: fake
            cluster: {server: "%s"}
          contexts:
          - name: fake
            context: {cluster: fake, user: agent}
          current-context: fake
          users:
          - name: agent
            user: {token: agent-token}
          """
              .formatted(server.url()));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private MockResponse answer(RecordedRequest request) {
    if (down) {
      return new MockResponse.Builder()
          .code(503)
          .addHeader("Content-Type", "application/json")
          .body(
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  + "\"reason\":\"ServiceUnavailable\",\"code\":503}")
          .build();
    }
    if (!request.getUrl().encodedPath().equals("/api/v1/pods")) {
      return new MockResponse.Builder().code(404).build();
    }
    if ("true".equals(request.getUrl().queryParameter("watch"))) {
      return new MockResponse.Builder()
          .code(200)
          .addHeader("Content-Type", "application/json")
          .body(bookmarks())
          // No length on a watch stream: the server ends it by closing the connection.
          .onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE)
          .build();
    }
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(LIST)
        .build();
  }

  /** A chunked watch stream: a bookmark every 200 ms; cut short when the outage starts. */
  private MockResponseBody bookmarks() {
    return new MockResponseBody() {
      @Override
      public long getContentLength() {
        return -1;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        for (int i = 0; i < BOOKMARKS_PER_WATCH && !down; i++) {
          sink.writeUtf8(BOOKMARK);
          sink.flush();
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    };
  }

  List<RecordedRequest> lists() {
    return requests().stream()
        .filter(r -> r.getUrl().encodedPath().equals("/api/v1/pods"))
        .filter(r -> r.getUrl().queryParameter("watch") == null)
        .toList();
  }

  List<RecordedRequest> watches() {
    return requests().stream()
        .filter(r -> "true".equals(r.getUrl().queryParameter("watch")))
        .toList();
  }

  @Override
  public void close() {
    server.close();
  }
}
