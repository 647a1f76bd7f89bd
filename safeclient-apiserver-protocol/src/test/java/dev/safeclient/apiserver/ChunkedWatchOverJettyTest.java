package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A watch written by {@link WatchStreamWriter#http} through a real Jetty server and read by the
 * JDK's HTTP client: headers before any event, each event as sent, the stored object's bytes
 * untouched, and a clean end of the chunked stream.
 */
class ChunkedWatchOverJettyTest {
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private URI start(Handler handler) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(handler);
    server.start();
    return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/api/v1/pods?watch=1");
  }

  @Test
  void eventsGoOutAsChunksAndTheStreamEndsCleanly() throws Exception {
    byte[] stored =
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\"},\"zz\":[1, 2]}"
            .getBytes(StandardCharsets.UTF_8);
    AtomicReference<WatchStreamWriter> writer = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    URI uri =
        start(
            new Handler.Abstract() {
              @Override
              public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaTypes.JSON);
                WatchStreamWriter w =
                    new WatchStreamWriter(
                        WatchStreamWriter.http(response, callback),
                        1000,
                        new WatchStreamWriter.Listener() {
                          @Override
                          public void closed(boolean established) {
                            closed.countDown();
                          }
                        });
                writer.set(w);
                w.commit(null);
                return true;
              }
            });
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<InputStream> r =
        client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
    // The headers arrived before any event: the watch is established while nothing changes.
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    WatchStreamWriter w = writer.get();
    w.send(WatchEvents.jsonParts(WatchEvents.Type.ADDED, stored));
    w.send(WatchEvents.bookmark("v1", "Pod", 9, true));
    w.send(WatchEvents.error(Status.tooOldResourceVersion(1, 5)));
    w.end();
    String body;
    try (InputStream in = r.body()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(body)
        .isEqualTo(
            "{\"type\":\"ADDED\",\"object\":"
                + new String(stored, StandardCharsets.UTF_8)
                + "}\n"
                + new String(WatchEvents.bookmark("v1", "Pod", 9, true), StandardCharsets.UTF_8)
                + new String(
                    WatchEvents.error(Status.tooOldResourceVersion(1, 5)), StandardCharsets.UTF_8));
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
  }
}
