package dev.safeclient.testing.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Percent-encoded paths and bad query escapes answered by KubeSim as by a real kube-apiserver of
 * the same release. KubeSim and the relay decode requests with apiserver-protocol's code ({@code
 * RequestInfo.decodePath}, {@code Query.parse}), so their own tests only agree with themselves;
 * this compares that code's answers with Go's ({@code req.URL.Path}, {@code url.ParseQuery}, which
 * skips a pair with a bad escape and keeps the rest). Each request line is sent as written, never
 * re-encoded by a client.
 */
@RealApiserverTest
class PercentEncodingOnRealServerTest {
  /** Request paths and queries below {@code /api/v1/namespaces/<ns>/}, as sent on the wire. */
  static final List<String> REQUESTS =
      List.of(
          // An escaped letter names the same resource.
          "configm%61ps",
          "configm%61ps/c-1",
          // %2F inside a segment separates segments once decoded: configmap "c-1", subresource.
          "configmaps/c-1%2Fstatus",
          "configmaps/c-1%2F",
          // A bad escape in the path: Go's URL parser refuses it before any handler.
          "configmaps/c%zz1",
          // A bad escape in the query: that pair is skipped, limit=1 still applies.
          "configmaps?x=%zz&limit=1",
          "configmaps?limit=1&x=%zz",
          "configmaps?limit=%zz",
          "configmaps?labelSelector=app%3Dx&limit=1",
          "configmaps?fieldSelector=metadata.name%3Dc-2");

  private record Answer(int code, JsonObject body) {}

  @ParameterizedTest
  @ValueSource(strings = {"v1.34", "v1.30"})
  void kubeSimDecodesPathsAndQueriesAsKubeApiserver(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    // A namespace of its own: the shared server holds other tests' objects.
    String ns = "pct-" + UUID.randomUUID().toString().substring(0, 8);
    String admin = server.token(Identity.ADMIN);
    assertThat(
            send(
                    server.url(),
                    server.sslContext(),
                    admin,
                    "POST",
                    "/api/v1/namespaces",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
                        + ns
                        + "\"}}")
                .code())
        .isEqualTo(201);
    try (KubeSim sim = KubeSim.builder().serverVersion(pin.substring(1)).namespaces(ns).build()) {
      for (String name : List.of("c-1", "c-2")) {
        String cm =
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\""
                + ns
                + "\",\"labels\":{\"app\":\"x\"}}}";
        assertThat(
                send(
                        server.url(),
                        server.sslContext(),
                        admin,
                        "POST",
                        "/api/v1/namespaces/" + ns + "/configmaps",
                        cm)
                    .code())
            .isEqualTo(201);
        assertThat(
                send(sim.url(), null, null, "POST", "/api/v1/namespaces/" + ns + "/configmaps", cm)
                    .code())
            .isEqualTo(201);
      }
      List<String> differences = new ArrayList<>();
      for (String request : REQUESTS) {
        String path = "/api/v1/namespaces/" + ns + "/" + request;
        String real = comparable(send(server.url(), server.sslContext(), admin, "GET", path, null));
        String kubeSim = comparable(send(sim.url(), null, null, "GET", path, null));
        System.out.println("[percent-encoding] " + pin + " " + request + " -> " + real);
        if (!real.equals(kubeSim)) {
          differences.add(request + ":\n  real    " + real + "\n  KubeSim " + kubeSim);
        }
      }
      assertThat(differences).as("answers KubeSim gives otherwise than %s", pin).isEmpty();
    }
  }

  /**
   * What must agree: the status code, a list's kind, names and whether it continues, an object's
   * kind and name, a Status's reason, message and details; not what differs by nature
   * (resourceVersion, uid, timestamps, continue tokens' bytes).
   */
  private static String comparable(Answer a) {
    StringBuilder s = new StringBuilder().append(a.code());
    JsonObject b = a.body();
    if (b == null) {
      return s.append(" (no JSON body)").toString();
    }
    String kind = b.has("kind") ? b.get("kind").getAsString() : "";
    s.append(' ').append(kind);
    if (kind.equals("Status")) {
      for (String f : List.of("status", "reason", "message", "details", "code")) {
        if (b.has(f)) {
          s.append(' ').append(f).append('=').append(b.get(f));
        }
      }
    } else if (b.has("items")) {
      List<String> names = new ArrayList<>();
      for (JsonElement i : b.getAsJsonArray("items")) {
        names.add(i.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString());
      }
      JsonObject meta = b.getAsJsonObject("metadata");
      s.append(' ').append(names);
      s.append(
          meta.has("continue") && !meta.get("continue").getAsString().isEmpty()
              ? " +continue"
              : "");
    } else if (b.has("metadata")) {
      s.append(' ').append(b.getAsJsonObject("metadata").get("name"));
    }
    return s.toString();
  }

  /** One request, its path and query sent as given (java.net.URL does not re-encode them). */
  private static Answer send(
      String base, SSLContext tls, String token, String method, String pathAndQuery, String body)
      throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(base + pathAndQuery).openConnection();
    if (c instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(tls.getSocketFactory());
    }
    c.setRequestMethod(method);
    c.setRequestProperty("Accept", "application/json");
    if (token != null) {
      c.setRequestProperty("Authorization", "Bearer " + token);
    }
    if (body != null) {
      c.setDoOutput(true);
      c.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = c.getOutputStream()) {
        out.write(body.getBytes(StandardCharsets.UTF_8));
      }
    }
    int code = c.getResponseCode();
    InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
    String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    c.disconnect();
    JsonObject json = null;
    try {
      JsonElement e = JsonParser.parseString(text);
      json = e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (RuntimeException notJson) {
      // Go's URL parser answers a bare 400 Bad Request in text.
    }
    return new Answer(code, json);
  }
}
