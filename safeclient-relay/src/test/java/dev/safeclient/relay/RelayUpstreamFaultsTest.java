package dev.safeclient.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.RawObject;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.RelayInformersTest.Recorder;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's upstream watch broken in the ways a network and a server break it: a stream cut in
 * the middle of an event, a malformed JSON event, a Protobuf frame with the wrong magic. Between
 * the relay and KubeSim sits a proxy that passes everything through but the watches it is told to
 * break, each at the first change it carries. The relay must recover through its feed's backoff,
 * keep its cache the API server's, and its agents must see every change.
 */
class RelayUpstreamFaultsTest {
  static final ResourceType PODS = RelayInformersTest.PODS;

  enum Fault {
    /** Half of the event's line, then the connection drops without the stream's end. */
    CUT_MID_EVENT,
    /** The event's line cut short and ended as if whole: JSON that does not parse. */
    MALFORMED_JSON,
    /** A length-framed Protobuf watch stream whose frame has the wrong magic. */
    WRONG_PROTOBUF_MAGIC
  }

  /** Passes requests through to KubeSim, breaking the next watches as {@link #faults} says. */
  static final class FaultProxy implements AutoCloseable {
    final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    final List<Fault> applied = new CopyOnWriteArrayList<>();
    private final String upstream;
    private final OkHttpClient http =
        new OkHttpClient.Builder()
            .readTimeout(Duration.ZERO)
            .retryOnConnectionFailure(false)
            .build();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server, 1, 1);

    FaultProxy(String upstream) throws Exception {
      this.upstream = upstream;
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      server.setHandler(
          new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
              try {
                forward(request, response, callback);
              } catch (Throwable t) {
                callback.failed(t);
              }
              return true;
            }
          });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + connector.getLocalPort();
    }

    private void forward(Request request, Response response, Callback callback) throws Exception {
      String pathAndQuery = request.getHttpURI().getPathQuery();
      String watch = Request.extractQueryParameters(request).getValue("watch");
      boolean watching = "true".equals(watch) || "1".equals(watch);
      okhttp3.Request.Builder out = new okhttp3.Request.Builder().url(upstream + pathAndQuery);
      String ua = request.getHeaders().get(HttpHeader.USER_AGENT);
      if (ua != null) {
        out.header("User-Agent", ua);
      }
      // Watches in JSON, so that the proxy can find an event's line to break.
      String accept = request.getHeaders().get(HttpHeader.ACCEPT);
      out.header(
          "Accept", watching ? "application/json" : accept == null ? "application/json" : accept);
      try (okhttp3.Response answer = http.newCall(out.build()).execute()) {
        response.setStatus(answer.code());
        String type = answer.header("Content-Type", "application/json");
        if (!watching || answer.code() != 200) {
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
          response.write(true, ByteBuffer.wrap(answer.body().bytes()), callback);
          return;
        }
        Fault fault = faults.poll();
        BufferedReader lines =
            new BufferedReader(
                new InputStreamReader(answer.body().byteStream(), StandardCharsets.UTF_8));
        if (fault == Fault.WRONG_PROTOBUF_MAGIC) {
          firstChange(lines, null);
          applied.add(fault);
          response
              .getHeaders()
              .put(HttpHeader.CONTENT_TYPE, "application/vnd.kubernetes.protobuf;stream=watch");
          byte[] message = {'k', '8', 'z', 0, 0x12, 0x03, 'b', 'a', 'd'};
          ByteBuffer frame = ByteBuffer.allocate(4 + message.length);
          frame.putInt(message.length).put(message).flip();
          write(response, frame);
          callback.succeeded();
          return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        write(response, ByteBuffer.allocate(0));
        if (fault == null) {
          String line;
          while ((line = lines.readLine()) != null) {
            write(response, utf8(line + "\n"));
          }
          callback.succeeded();
          return;
        }
        String change = firstChange(lines, response);
        applied.add(fault);
        String half = change.substring(0, change.length() / 2);
        if (fault == Fault.CUT_MID_EVENT) {
          write(response, utf8(half));
          callback.failed(new IOException("the proxy cut the watch mid-event"));
        } else {
          write(response, utf8(half + "\n"));
          callback.succeeded();
        }
      }
    }

    /**
     * Reads the upstream watch up to its first change, passing what comes before it (bookmarks) on
     * to {@code response} when there is one; returns the change's line.
     */
    private static String firstChange(BufferedReader lines, Response response) throws Exception {
      String line;
      while ((line = lines.readLine()) != null) {
        if (!line.startsWith("{\"type\":\"BOOKMARK\"")) {
          return line;
        }
        if (response != null) {
          write(response, utf8(line + "\n"));
        }
      }
      throw new IOException("the upstream watch ended before a change");
    }

    private static ByteBuffer utf8(String s) {
      return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Response response, ByteBuffer b) throws Exception {
      FutureCallback written = new FutureCallback();
      response.write(false, b, written);
      written.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      server.stop();
      http.dispatcher().executorService().shutdownNow();
      http.connectionPool().evictAll();
    }
  }

  private KubeSim sim;
  private FaultProxy proxy;
  private Relay relay;
  private SafeInformerFactory agents;

  @AfterEach
  void tearDown() throws Exception {
    if (agents != null) {
      agents.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private static List<String> names(SharedIndexInformer<V1Pod> inf) {
    return inf.getIndexer().list().stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  @Test
  void aCutMalformedOrWronglyFramedUpstreamWatchIsRecoveredAndAgentsMissNothing() throws Exception {
    sim = KubeSim.builder().clock(VirtualTimeSource.manual()).build();
    for (int i = 0; i < 3; i++) {
      sim.create(PODS, RelayInformersTest.pod("ns-0", "p-" + i, "node-1", "web"));
    }
    proxy = new FaultProxy(sim.url());
    ApiClient viaProxy = sim.apiClient();
    viaProxy.setBasePath(proxy.url());
    VirtualTimeSource clock = VirtualTimeSource.manual();
    relay = RelayOverKubeSim.unauthenticated(viaProxy, clock);

    ApiClient toRelay = new ApiClient();
    toRelay.setBasePath(relay.url().toString());
    SafeClient agent =
        SafeClient.builder(toRelay)
            .userAgent("relay-agent/1")
            .nodeName(null)
            .serverVersion("1.35")
            .build();
    VirtualTimeSource agentClock = VirtualTimeSource.manual();
    agents = new SafeInformerFactory(agent, agentClock);
    SharedIndexInformer<V1Pod> inf =
        agents.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    Recorder seen = new Recorder();
    inf.addEventHandler(seen);
    agents.startAllRegisteredInformers();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> inf.hasSynced() && relay.health().resources().get(0).watchers() == 1);

    // The relay's next three watches break, each at the first change it carries.
    proxy.faults.addAll(
        List.of(Fault.CUT_MID_EVENT, Fault.MALFORMED_JSON, Fault.WRONG_PROTOBUF_MAGIC));
    long watchesBefore = upstreamWatches();
    sim.dropWatches();
    CoreV1Api writer = new CoreV1Api(sim.apiClient());
    sim.create(PODS, RelayInformersTest.pod("ns-0", "p-new", "node-1", "web"));
    sim.update(PODS, "ns-0", "p-0", json -> json.replace("\"app\":\"web\"", "\"app\":\"db\""));
    writer
        .deleteNamespacedPod("p-1", "ns-0")
        .body(new V1DeleteOptions().gracePeriodSeconds(0L))
        .execute();

    List<String> expected = List.of("p-0", "p-2", "p-new");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              // The feed's backoff and the agents' resumes run on these clocks.
              clock.advance(Duration.ofSeconds(1));
              agentClock.advance(Duration.ofSeconds(1));
              return proxy.faults.isEmpty()
                  && relay.health().resources().get(0).resourceVersion() == sim.resourceVersion()
                  && names(inf).equals(expected);
            });
    assertThat(proxy.applied)
        .containsExactly(Fault.CUT_MID_EVENT, Fault.MALFORMED_JSON, Fault.WRONG_PROTOBUF_MAGIC);
    // Each broken watch was followed by another one, through the feed's backoff.
    assertThat(upstreamWatches() - watchesBefore).isGreaterThanOrEqualTo(4);

    // The relay's cache is the API server's, byte for byte.
    OkHttpClient http = new OkHttpClient();
    Map<String, RawObject> upstreamItems =
        RelayInformersTest.items(http, sim.url() + "/api/v1/pods");
    Map<String, RawObject> relayedItems =
        RelayInformersTest.items(http, relay.url() + "/api/v1/pods?resourceVersion=0");
    assertThat(relayedItems).isEqualTo(upstreamItems);
    // The agent saw every change, and holds each object at the API server's last state.
    for (V1Pod p : inf.getIndexer().list()) {
      String name = p.getMetadata().getName();
      assertThat(p.getMetadata().getResourceVersion())
          .isEqualTo(upstreamItems.get("ns-0/" + name).resourceVersion());
    }
    Map<String, List<String>> events = seen.snapshot();
    assertThat(events.get("p-new")).hasSize(1).first().asString().startsWith("ADDED");
    assertThat(events.get("p-0")).hasSize(2).last().asString().startsWith("UPDATED");
    assertThat(events.get("p-1")).hasSize(2).last().asString().startsWith("DELETED");
    assertThat(events.get("p-2")).hasSize(1);
    http.connectionPool().evictAll();
  }

  /** The relay's watches of pods on KubeSim. */
  private long upstreamWatches() {
    List<RequestLogEntry> log = new ArrayList<>(sim.requestLog());
    return log.stream()
        .filter(e -> "relay/1".equals(e.userAgent()))
        .filter(e -> e.requestLine().contains("watch="))
        .count();
  }
}
