package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.RawFeed;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RelayServer} of pods over KubeSim as the API server: five pods p-0..p-4 in namespace
 * {@code ns}, the relay's cache fed by an informer's raw feed and synced. The relay's own calls go
 * through a {@link SafeClient} with the User-Agent given; its retries' backoff runs on a clock of
 * its own that moves as it sleeps, so that an outage is retried as on the wire without waiting the
 * backoff out in real time.
 */
final class RelayServerOverKubeSim implements AutoCloseable {
  static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");
  static final ResourceSpec SPEC = ReadPathTest.PODS;

  final KubeSim sim;
  final RelayServer server;
  private final SafeInformerFactory factory;

  private RelayServerOverKubeSim(
      String userAgent, TimeSource clock, RequestGate gate, FlowControl.Limits limits)
      throws Exception {
    sim = KubeSim.builder().clock(VirtualTimeSource.manual()).namespaces("ns").build();
    for (int i = 0; i < 5; i++) {
      sim.create(PODS, pod("p-" + i));
    }
    SafeClient upstream =
        SafeClient.builder(sim.apiClient())
            .userAgent(userAgent)
            .nodeName(null)
            .clock(VirtualTimeSource.autoAdvancing())
            .build();
    server =
        new RelayServer(
            List.of(SPEC),
            new SafeClientUpstream(upstream),
            clock,
            gate,
            "127.0.0.1",
            0,
            1000,
            1L << 30,
            null,
            limits);
    server.start();
    factory = new SafeInformerFactory(upstream, clock);
    RawFeed feed =
        factory.rawFeed(
            "",
            "v1",
            "pods",
            InformerOptions.builder().startJitter(Duration.ZERO).build(),
            new FeedToCache(SPEC, server.feed(SPEC)));
    feed.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.relayed(SPEC).cache.synced());
  }

  /** Started and synced; {@code clock} is the relay's and its feed's. */
  static RelayServerOverKubeSim start(
      String userAgent, TimeSource clock, RequestGate gate, FlowControl.Limits limits)
      throws Exception {
    return new RelayServerOverKubeSim(userAgent, clock, gate, limits);
  }

  static String pod(String name) {
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"ns\"},\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":"
        + "\"c\",\"image\":\"busybox\"}]}}";
  }

  /** The last request KubeSim logged so far, to pass to {@link #requestsSince}. */
  long mark() {
    List<RequestLogEntry> log = sim.requestLog();
    return log.isEmpty() ? 0 : log.get(log.size() - 1).sequence();
  }

  /** What KubeSim was asked after {@code from}, watches left out. */
  List<RequestLogEntry> requestsSince(long from) {
    return sim.requestLog().stream()
        .filter(e -> e.sequence() > from)
        .filter(e -> !e.requestLine().contains("watch="))
        .toList();
  }

  /**
   * Each answer, within {@code within}, is a 200 with all five pods at KubeSim's current RV: the
   * consistent read's, not the cache's.
   */
  void assertEachIsTheWholeListAtTheApiServersVersion(
      List<CompletableFuture<RelayHttp.Answer>> answers, Duration within) throws Exception {
    String current = Long.toString(sim.resourceVersion());
    for (CompletableFuture<RelayHttp.Answer> f : answers) {
      RelayHttp.Answer a = f.get(within.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(a.code()).isEqualTo(200);
      assertThat(a.resourceVersion()).isEqualTo(current);
      assertThat(a.names()).containsExactly("p-0", "p-1", "p-2", "p-3", "p-4");
    }
  }

  @Override
  public void close() {
    factory.close();
    server.close();
    sim.close();
  }
}
