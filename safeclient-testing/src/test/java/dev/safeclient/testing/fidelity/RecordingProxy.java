package dev.safeclient.testing.fidelity;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A plain-HTTP reverse proxy on loopback in front of one server (KubeSim or a real apiserver) that
 * records every exchange: every client under test talks to it the same way, with no credentials,
 * and it adds the server's bearer token. Responses are streamed and flushed as they arrive, so
 * watches work through it. Each exchange is tagged with the {@link Exchange.Step} current when its
 * request arrived ({@link #step}).
 *
 * <p>A WebSocket upgrade (fabric8's watches) cannot pass {@code com.sun.net.httpserver}, so clients
 * connect to a front socket: a connection whose first request asks for {@code Upgrade: websocket}
 * is relayed byte for byte to the server (with the token added) and its server frames are recorded
 * as the exchange's body, one message a line, as a watch's events are over HTTP; any other
 * connection is spliced to the HTTP proxy behind.
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
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final URI upstreamUri;
  private final SSLContext tls;
  private final ServerSocket front;

  RecordingProxy(String upstream, SSLContext tls, String token) throws IOException {
    this.upstream = upstream;
    this.upstreamUri = URI.create(upstream);
    this.tls = tls;
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
    this.front = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "recording-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** {@code http://127.0.0.1:<port>}: where clients under test are pointed. */
  String url() {
    return "http://127.0.0.1:" + front.getLocalPort();
  }

  private void accept() {
    while (!front.isClosed()) {
      try {
        Socket client = front.accept();
        sockets.add(client);
        threads.execute(() -> connection(client));
      } catch (Throwable t) {
        if (front.isClosed()) {
          return;
        }
        System.err.println("[recording-proxy] accept failed, going on: " + t);
      }
    }
  }

  /**
   * One client connection. Its requests are read one by one (a client reuses a kept-alive
   * connection, and the JDK's WebSocket client sends its upgrade on one that already carried a
   * list): ordinary requests are spliced to the HTTP proxy behind, and an upgrade turns the rest of
   * the connection into a relayed WebSocket. A client sends its next request only once it has the
   * whole answer to the last, so the HTTP side is done when an upgrade arrives.
   */
  private void connection(Socket client) {
    Socket inner = null;
    AtomicBoolean upgraded = new AtomicBoolean();
    try (client) {
      InputStream in = client.getInputStream();
      for (byte[] head = WebSocketRelay.readHead(in);
          head != null;
          head = WebSocketRelay.readHead(in)) {
        if (WebSocketRelay.isUpgrade(head)) {
          upgraded.set(true);
          closeQuietly(inner);
          webSocket(client, in, head);
          return;
        }
        if (inner == null) {
          inner = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
          sockets.add(inner);
          InputStream fromInner = inner.getInputStream();
          threads.execute(
              () -> {
                try {
                  WebSocketRelay.copy(fromInner, client.getOutputStream());
                } catch (IOException e) {
                  // The client went away.
                }
                if (!upgraded.get()) {
                  closeQuietly(client); // the HTTP proxy ended the connection
                }
              });
        }
        OutputStream toInner = inner.getOutputStream();
        toInner.write(head);
        WebSocketRelay.copyRequestBody(head, in, toInner);
        toInner.flush();
      }
    } catch (Throwable t) {
      // The client or the server went away: nothing of this connection is kept but its exchanges.
    } finally {
      closeQuietly(inner);
      sockets.remove(inner);
      sockets.remove(client);
    }
  }

  private static void closeQuietly(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  private void webSocket(Socket client, InputStream fromClient, byte[] head) throws IOException {
    WebSocketRelay.Head request = WebSocketRelay.Head.parse(head);
    Exchange recorded =
        new Exchange(step.get(), request.method(), request.target(), null, new byte[0]);
    exchanges.add(recorded);
    try (Socket up = WebSocketRelay.connect(upstreamUri, tls)) {
      sockets.add(up);
      OutputStream toServer = up.getOutputStream();
      toServer.write(request.forwarded(upstreamUri.getHost() + ":" + upstreamUri.getPort(), token));
      toServer.flush();
      InputStream fromServer = up.getInputStream();
      byte[] responseHead = WebSocketRelay.readHead(fromServer);
      if (responseHead == null) {
        return;
      }
      WebSocketRelay.Head response = WebSocketRelay.Head.parse(responseHead);
      recorded.status = response.status();
      recorded.headers = response.headers();
      System.out.println(
          "[recording-proxy] WebSocket " + request.target() + " -> " + response.startLine());
      OutputStream toClient = client.getOutputStream();
      toClient.write(responseHead);
      toClient.flush();
      if (response.status() != 101) {
        // Refused (or answered as a plain watch): what follows is an ordinary body.
        WebSocketRelay.copyRecording(fromServer, toClient, recorded);
        return;
      }
      threads.execute(
          () -> {
            WebSocketRelay.copy(fromClient, toServer);
            WebSocketRelay.shutdownOutput(up);
          });
      WebSocketRelay.relayFrames(fromServer, toClient, recorded);
    } finally {
      sockets.removeIf(s -> s.isClosed());
    }
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
    try {
      front.close();
    } catch (IOException ignored) {
      // Already closed.
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
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
