package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests crafted so that the relay might authorize one thing and serve another, sent as raw
 * request lines (no client normalises them), against KubeSim answering the relay's reviews. Each
 * must get what the API server answers the same request line.
 */
class RelayAuthBypassTest {
  static final String AUDIENCE = RelayOverKubeSim.AUDIENCE;
  static final String NODE1 = "tok-node1-bypass-61c0";
  static final String ADMIN = "tok-admin-bypass-9e2a";

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private KubeSim sim;
  private Relay relay;

  @BeforeEach
  void start() {
    sim =
        RelayOverKubeSim.sim()
            .nodeAuthorizer(true)
            .user(NODE1, "system:node:node-1")
            .tokenAudiences(NODE1, AUDIENCE)
            .user(ADMIN, "system:serviceaccount:ops:admin")
            .tokenAudiences(ADMIN, AUDIENCE)
            .allow("system:serviceaccount:ops:admin", "*", "*")
            .build();
    sim.create(PODS, pod("ns", "a", "node-1", "web"));
    sim.create(PODS, pod("ns", "b", "node-2", "web"));
    relay = RelayOverKubeSim.started(RelayOverKubeSim.relay(sim, clock));
  }

  @AfterEach
  void stop() {
    relay.close();
    sim.close();
  }

  /** The status line and body of one raw request line, sent as is. */
  static String raw(java.net.URI base, String token, String requestTarget) throws IOException {
    return raw(base, token, "GET", requestTarget);
  }

  static String raw(java.net.URI base, String token, String method, String requestTarget)
      throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          (method
                  + " "
                  + requestTarget
                  + " HTTP/1.1\r\nHost: relay\r\nConnection: close\r\nAuthorization: Bearer "
                  + token
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aQueryPairThatDoesNotParseIsDroppedAsGoDropsItNotA500() throws Exception {
    // url.ParseQuery skips a pair with a bad escape or a semicolon, and req.URL.Query() ignores
    // its error: the apiserver authorizes and serves the request without that pair.
    String own = "/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1";
    for (String extra : new String[] {"&labelSelector=%zz", "&labelSelector=app%3Dweb;x", "&%zz"}) {
      String a = raw(relay.url(), NODE1, own + extra);
      assertThat(a).as(extra).startsWith("HTTP/1.1 200 ");
      assertThat(a).as(extra).contains("\"name\":\"a\"").doesNotContain("\"name\":\"b\"");
    }
    // Dropped before authorization too: the pair that names node-1 is the one Go keeps.
    String mixed =
        "/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-2;"
            + "&fieldSelector=spec.nodeName%3Dnode-1";
    String a = raw(relay.url(), NODE1, mixed);
    assertThat(a).startsWith("HTTP/1.1 200 ");
    assertThat(a).contains("\"name\":\"a\"").doesNotContain("\"name\":\"b\"");
  }

  @Test
  void aNamespacedObjectNamedWithoutItsNamespaceIsNotServed() throws Exception {
    // The apiserver routes a namespaced resource's objects only under /namespaces/{ns}: a watch of
    // /api/v1/watch/pods/a has no route (404), it is no watch of every pod named a.
    String a = raw(relay.url(), ADMIN, "/api/v1/watch/pods/a?resourceVersion=0");
    assertThat(a).startsWith("HTTP/1.1 404 ");
    assertThat(a).contains("the server could not find the requested resource");
  }

  @Test
  void headIsNotAllowedOnAResourceThoughRequestInfoCallsItGet() throws Exception {
    // The apiserver registers no HEAD route on resources: 405 after authorization, never the
    // headers of a GET (which would tell the size of what the caller asked for).
    String head = raw(relay.url(), ADMIN, "HEAD", "/api/v1/namespaces/ns/pods?resourceVersion=0");
    assertThat(head).startsWith("HTTP/1.1 405 ");
    assertThat(raw(relay.url(), ADMIN, "GET", "/api/v1/namespaces/ns/pods?resourceVersion=0"))
        .startsWith("HTTP/1.1 200 ");
  }
}
