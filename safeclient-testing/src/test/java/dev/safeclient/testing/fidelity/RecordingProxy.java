package dev.safeclient.testing.fidelity;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A plain-HTTP reverse proxy on loopback in front of one server (KubeSim or a real apiserver) that
 * records every exchange: every client under test talks to it the same way, with no credentials,
 * and it adds the server's bearer token. Responses are streamed and flushed as they arrive, so
 * watches work through it. Each exchange is tagged with the {@link Exchange.Step} current when its
 * request arrived ({@link #step}).
 */
final class RecordingProxy implements AutoCloseable {
  /** Hop-by-hop headers, and those java.net.http sets itself and refuses from callers. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "host",
          "connection",
          "content-length",
          "expect",
          "upgrade",
          "keep-alive",
          "te",
          "trailer",
          "transfer-encoding",
          "http2-settings",
          "proxy-connection",
          "authorization");

  private final String upstream;
  private final String token;
  private final HttpClient http;
  private final HttpServer server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "recording-proxy");
            t.setDaemon(true);
            return t;
          });
  private final AtomicReference<Exchange.Step> step =
      new AtomicReference<>(new Exchange.Step("setup", "raw", "setup"));
  private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
  private final List<InputStream> open = new CopyOnWriteArrayList<>();

  RecordingProxy(String upstream, SSLContext tls, String token) throws IOException {
    this.upstream = upstream;
    this.token = token;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10));
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::forward);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>}: where clients under test are pointed. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Tags the exchanges whose requests arrive from now on. */
  void step(String area, String client, String call) {
    step.set(new Exchange.Step(area, client, call));
  }

  /** Records what a client reported (an informer handler's calls) under the current step. */
  void observe(String what) {
    exchanges.add(Exchange.observation(step.get(), what));
  }

  /** Every exchange so far, in order of arrival. */
  List<Exchange> exchanges() {
    return new ArrayList<>(exchanges);
  }

  private void forward(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] requestBody = ex.getRequestBody().readAllBytes();
      String pathAndQuery = ex.getRequestURI().getRawPath();
      if (ex.getRequestURI().getRawQuery() != null) {
        pathAndQuery += "?" + ex.getRequestURI().getRawQuery();
      }
      Exchange recorded =
          new Exchange(
              step.get(),
              ex.getRequestMethod(),
              pathAndQuery,
              ex.getRequestHeaders().getFirst("Content-Type"),
              requestBody);
      exchanges.add(recorded);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(upstream + pathAndQuery))
              .method(
                  ex.getRequestMethod(),
                  requestBody.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(requestBody));
      ex.getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<InputStream> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      recorded.status = response.statusCode();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT))
                    && !name.startsWith(":")) {
                  headers.put(name, values);
                  values.forEach(v -> ex.getResponseHeaders().add(name, v));
                }
              });
      recorded.headers = headers;
      try (InputStream in = response.body()) {
        open.add(in);
        boolean noBody =
            ex.getRequestMethod().equals("HEAD")
                || response.statusCode() == 204
                || response.statusCode() == 304;
        ex.sendResponseHeaders(response.statusCode(), noBody ? -1 : 0);
        if (noBody) {
          return;
        }
        OutputStream out = ex.getResponseBody();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          recorded.append(buffer, 0, n);
          out.write(buffer, 0, n);
          out.flush();
        }
      } finally {
        open.removeIf(s -> s == response.body());
      }
    } catch (IOException e) {
      // The client went away (a watch it closed) or the server did: the exchange keeps what it
      // carried so far.
    }
  }

  @Override
  public void close() {
    server.stop(0);
    for (InputStream in : open) {
      try {
        in.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
