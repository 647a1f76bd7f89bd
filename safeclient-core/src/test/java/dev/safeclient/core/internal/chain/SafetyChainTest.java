package dev.safeclient.core.internal.chain;

import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safeclient.core.BudgetExhaustedException;
import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.rules.RuleCatalogue;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

/**
 * The order of the safety chain, pinned, and on the wire each ordering decision that changes what
 * the server sees.
 */
class SafetyChainTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  @Test
  void theLinksRunInThisExactOrder() {
    SafetyChain chain = ClientInternals.of(SafeClient.wrap(baseClient(server))).chain();

    assertThat(chain.names())
        .containsExactly(
            "classify",
            "list-decision",
            "watch-event-witness",
            "lint",
            "list-rewrite",
            "list-paging",
            "server-warnings",
            "retry",
            "credential-refresh",
            "overload-breaker",
            "retry-after",
            "budget",
            "in-flight",
            "call-deadline",
            "protobuf-negotiation",
            "metrics",
            "no-response-witness",
            "reconnect-witness");
    assertThat(chain.networkLinks())
        .extracting(Link::name)
        .containsExactly("no-response-witness", "reconnect-witness");
  }

  /** ARCHITECTURE.md lists the chain; it must be this chain, in this order. */
  @Test
  void architectureMdListsTheChainInOrder() throws Exception {
    String doc = Files.readString(Path.of("../ARCHITECTURE.md"));
    String block =
        doc.substring(doc.indexOf("<!-- chain:begin -->"), doc.indexOf("<!-- chain:end -->"));
    List<String> listed = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\d+\\. `([a-z-]+)`").matcher(block);
    while (m.find()) {
      listed.add(m.group(1));
    }

    // The list names every link: the relay's route too, which only a client with a relay has.
    Path token = Files.createTempFile("relay-token", "");
    Files.writeString(token, "t");
    SafeClient withRelay =
        SafeClient.builder(baseClient(server))
            .relay(
                RelayRoute.builder(URI.create("https://relay.example:8443"))
                    .caPem(
                        new HeldCertificate.Builder()
                            .certificateAuthority(0)
                            .build()
                            .certificatePem()
                            .getBytes(StandardCharsets.UTF_8))
                    .tokenFile(token)
                    .resources("v1/pods")
                    .build())
            .build();
    List<String> withoutRelay = new ArrayList<>(listed);
    withoutRelay.remove("relay-route");

    assertThat(listed).containsExactlyElementsOf(ClientInternals.of(withRelay).chain().names());
    assertThat(withoutRelay)
        .containsExactlyElementsOf(
            ClientInternals.of(SafeClient.wrap(baseClient(server))).chain().names());
    withRelay.close();
    Files.delete(token);
  }

  @Test
  void withoutTheBreakerItsLinkIsLeftOutAndTheRestKeepTheirOrder() {
    SafetyChain chain =
        ClientInternals.of(SafeClient.builder(baseClient(server)).breakerEnabled(false).build())
            .chain();

    assertThat(chain.links())
        .extracting(Link::name)
        .containsExactly(
            "classify",
            "list-decision",
            "watch-event-witness",
            "lint",
            "list-rewrite",
            "list-paging",
            "server-warnings",
            "retry",
            "credential-refresh",
            "retry-after",
            "budget",
            "in-flight",
            "call-deadline",
            "protobuf-negotiation",
            "metrics");
  }

  @Test
  void everyRuleIdALinkNamesIsInTheCatalogue() {
    SafetyChain chain = ClientInternals.of(SafeClient.wrap(baseClient(server))).chain();

    assertThat(chain.links().stream().flatMap(l -> l.ruleIds().stream()))
        .isSubsetOf(RuleCatalogue.IDS);
    assertThat(chain.links())
        .filteredOn(l -> l.ruleIds().contains("SC103"))
        .extracting(Link::name)
        .containsExactly("protobuf-negotiation");
  }

  /**
   * Retry sits outside the budgets: the retried attempt goes down through the budget link again and
   * pays for itself. With one token and no wait allowed, the retry is refused before it is sent;
   * had retry been inside the budget, the server would have seen it.
   */
  @Test
  void aRetriedRequestPaysTheBudgetAgain() throws Exception {
    server.enqueue(
        new MockResponse.Builder().code(503).addHeader("Retry-After", "1").body("{}").build());
    server.enqueue(podList("7", null, "a"));
    SafeClient safe =
        safeClient(server, SafetyMode.ENFORCE, warnings)
            .qps(0.001)
            .burst(1)
            .maxBudgetWait(Duration.ZERO)
            .breakerEnabled(false)
            .clock(VirtualTimeSource.autoAdvancing())
            .build();

    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () -> new CoreV1Api(safe.apiClient()).readNamespacedPod("a", "default").execute());

    assertThat(e).hasRootCauseInstanceOf(BudgetExhaustedException.class);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  /**
   * The server-warnings link sits inside SC102's pager, so the Warning header of every page is
   * relayed, not only that of the response the pager hands back.
   */
  @Test
  void theWarningOfEveryPageIsRelayed() throws Exception {
    server.enqueue(withWarning(podList("100", "c1", "a"), "first page"));
    server.enqueue(withWarning(podList("100", null, "b"), "second page"));
    SafeClient safe =
        safeClient(server, SafetyMode.ENFORCE, warnings)
            .listPageSize(1)
            // Each warning reaches the listener, not one per call site and minute.
            .warningInterval(Duration.ZERO)
            .build();

    V1PodList list = new CoreV1Api(safe.consistentApiClient()).listPodForAllNamespaces().execute();

    assertThat(list.getItems()).hasSize(2);
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1&continue=c1");
    assertThat(warnings)
        .filteredOn(w -> w.ruleId().equals("SC201"))
        .extracting(SafetyWarning::message)
        .anySatisfy(m -> assertThat(m).contains("first page"))
        .anySatisfy(m -> assertThat(m).contains("second page"));
  }

  private static MockResponse withWarning(MockResponse page, String text) {
    return page.newBuilder().addHeader("Warning", "299 - \"" + text + "\"").build();
  }
}
