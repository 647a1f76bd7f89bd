package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static dev.safeclient.relay.RelayTlsTest.tls;
import static dev.safeclient.relay.RelayTlsTest.trustingTestCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.internal.ServingCertificate;
import dev.safeclient.testing.KubeSim;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving certificate is reloaded when the mounted files change, as a cert-manager renewal
 * updates a Secret in place: new connections get the new pair, open watches go on, and a pair that
 * cannot be served (a key that is not the certificate's, a file half written) is not loaded while
 * the previous pair keeps serving.
 */
class RelayCertificateReloadTest {
  @TempDir Path dir;
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private KubeSim sim;
  private Relay relay;
  private Path cert;
  private Path key;

  @BeforeEach
  void startWithTheRsaPair() throws Exception {
    cert = dir.resolve("tls.crt");
    key = dir.resolve("tls.key");
    Files.copy(tls("rsa-chain.crt"), cert);
    Files.copy(tls("rsa.key"), key);
    sim = KubeSim.start();
    sim.create(PODS, pod("ns", "a", "node-1", "web"));
    relay =
        Relay.builder(
                SafeClient.builder(sim.apiClient()).userAgent("relay/1").nodeName(null).build())
            .resource(RelayedResource.pods())
            .tls(cert, key)
            .clock(clock)
            .unauthenticatedForTests(true)
            .build()
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> relay.health().synced());
  }

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void aRenewedPairServesNewConnectionsAndAnOpenWatchGoesOn() throws Exception {
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    try (Response watch =
        trustingTestCa()
            .newBuilder()
            .readTimeout(30, TimeUnit.SECONDS)
            .build()
            .newCall(
                new Request.Builder()
                    .url(relay.url() + "/api/v1/pods?watch=true&resourceVersion=0")
                    .build())
            .execute()) {
      assertThat(watch.code()).isEqualTo(200);
      assertThat(leafKeyAlgorithm(watch)).isEqualTo("RSA");
      BufferedReader events =
          new BufferedReader(
              new InputStreamReader(watch.body().byteStream(), StandardCharsets.UTF_8));
      assertThat(events.readLine()).contains("\"type\":\"ADDED\"", "\"name\":\"a\"");

      renew("ec.crt", "ec.key");
      // Not before the check: the files are read on the relay's clock.
      assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
      clock.advance(ServingCertificate.CHECK_INTERVAL);

      assertThat(servedKeyAlgorithm()).isEqualTo("EC");
      assertThat(relay.health().certificateProblem()).isEmpty();
      // The watch opened on the old certificate is not cut: it gets the next change.
      sim.create(PODS, pod("ns", "b", "node-1", "web"));
      assertThat(events.readLine()).contains("\"type\":\"ADDED\"", "\"name\":\"b\"");
      assertThat(leafKeyAlgorithm(watch)).isEqualTo("RSA");
    }
  }

  @Test
  void aHalfWrittenPairIsNotLoadedAndThePreviousPairKeepsServing() throws Exception {
    String ecKey = Files.readString(tls("ec.key"));

    // The certificate renewed, the key not yet: a key that is not the new certificate's.
    Files.copy(tls("ec.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    assertThat(relay.health().certificateProblem())
        .hasValueSatisfying(
            p ->
                assertThat(p)
                    .contains(
                        cert.toString(), "not the one of the first certificate's public key"));

    // The key half written: refused, and the problem names no key material.
    Files.writeString(key, ecKey.substring(0, ecKey.length() / 2));
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    String problem = relay.health().certificateProblem().orElseThrow();
    assertThat(problem).contains("not PKCS#8");
    for (String line : ecKey.split("\n")) {
      if (!line.startsWith("-----")) {
        assertThat(problem).doesNotContain(line.substring(0, Math.min(16, line.length())));
      }
    }

    // A certificate cut short, the key whole: refused too.
    String ecCert = Files.readString(tls("ec.crt"));
    Files.writeString(cert, ecCert.substring(0, ecCert.length() / 2));
    Files.writeString(key, ecKey);
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    assertThat(relay.health().certificateProblem()).isPresent();

    // The pair complete: loaded at the next check.
    Files.writeString(cert, ecCert);
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("EC");
    assertThat(relay.health().certificateProblem()).isEmpty();
  }

  @Test
  void filesGoneForAMomentKeepThePairServedAndClearWhenBack() throws Exception {
    byte[] rsaCert = Files.readAllBytes(cert);
    Files.delete(cert);
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    assertThat(relay.health().certificateProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("NoSuchFileException"));

    Files.write(cert, rsaCert);
    clock.advance(ServingCertificate.CHECK_INTERVAL);
    assertThat(servedKeyAlgorithm()).isEqualTo("RSA");
    assertThat(relay.health().certificateProblem()).isEmpty();
  }

  /** Writes the pair as the kubelet's atomic writer does: both files at once, each complete. */
  private void renew(String newCert, String newKey) throws Exception {
    Path c = dir.resolve("tls.crt.new");
    Path k = dir.resolve("tls.key.new");
    Files.copy(tls(newCert), c);
    Files.copy(tls(newKey), k);
    Files.move(c, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(k, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The key algorithm of the leaf a new TLS connection to the relay is served. */
  private String servedKeyAlgorithm() throws Exception {
    try (Response r =
        trustingTestCa()
            .newCall(
                new Request.Builder().url(relay.url() + "/api/v1/pods?resourceVersion=0").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
      return leafKeyAlgorithm(r);
    }
  }

  private static String leafKeyAlgorithm(Response r) {
    return ((X509Certificate) r.handshake().peerCertificates().get(0))
        .getPublicKey()
        .getAlgorithm();
  }
}
