package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.testing.KubeSim;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay serves HTTPS from mounted PEM files (RSA and EC keys, PKCS#8), and only HTTPS; it
 * refuses to build without TLS or without its audience unless a test flag says otherwise.
 */
public class RelayTlsTest {
  private KubeSim sim;
  private Relay relay;

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  public static Path tls(String name) throws Exception {
    return Path.of(RelayTlsTest.class.getResource("/tls/" + name).toURI());
  }

  private SafeClient upstream() {
    sim = KubeSim.start();
    sim.create(PODS, pod("ns", "a", "node-1", "web"));
    return SafeClient.builder(sim.apiClient()).userAgent("relay/1").nodeName(null).build();
  }

  /** An OkHttp client trusting only the test CA. */
  public static OkHttpClient trustingTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(tls("ca.crt"))) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
    return new OkHttpClient.Builder().sslSocketFactory(ssl.getSocketFactory(), tm).build();
  }

  private void startRelay(String cert, String key) throws Exception {
    relay =
        Relay.builder(upstream())
            .resource(RelayedResource.pods())
            .tls(tls(cert), tls(key))
            .unauthenticatedForTests(true)
            .build()
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> relay.health().synced());
  }

  @Test
  void aClientTrustingTheTestCaReadsThroughHttpsWithAnRsaKey() throws Exception {
    startRelay("rsa-chain.crt", "rsa.key");
    readsOverHttps();
  }

  @Test
  void aClientTrustingTheTestCaReadsThroughHttpsWithAnEcKey() throws Exception {
    startRelay("ec.crt", "ec.key");
    readsOverHttps();
  }

  private void readsOverHttps() throws Exception {
    assertThat(relay.url().getScheme()).isEqualTo("https");
    try (Response r =
        trustingTestCa()
            .newCall(
                new Request.Builder().url(relay.url() + "/api/v1/pods?resourceVersion=0").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.handshake()).isNotNull();
      assertThat(r.body().string()).contains("\"name\":\"a\"");
    }
    // A client that does not trust the CA gets no answer.
    assertThatThrownBy(
            () ->
                new OkHttpClient()
                    .newCall(new Request.Builder().url(relay.url() + "/api/v1/pods").build())
                    .execute()
                    .close())
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedAtBuild(@TempDir Path dir) throws Exception {
    SafeClient upstream = upstream();
    // Another RSA key, as a wrong Secret mounted (or a renewal half applied) gives it.
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    Path otherRsa = dir.resolve("other.key");
    Files.writeString(
        otherRsa,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder()
                .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    for (Path key : new Path[] {otherRsa, tls("ec.key")}) {
      assertThatThrownBy(
              () ->
                  Relay.builder(upstream)
                      .resource(RelayedResource.pods())
                      .tls(tls("rsa-chain.crt"), key)
                      .audience("a")
                      .build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasRootCauseMessage(
              "the private key is not the one of the first certificate's public key");
    }
  }

  @Test
  void plainHttpToTheTlsPortFails() throws Exception {
    startRelay("rsa-chain.crt", "rsa.key");
    String plain = "http://127.0.0.1:" + relay.url().getPort() + "/api/v1/pods?resourceVersion=0";
    OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    assertThatThrownBy(
            () -> http.newCall(new Request.Builder().url(plain).build()).execute().close())
        .isInstanceOf(IOException.class);
  }

  @Test
  void aRelayWithoutTlsOrWithoutItsAudienceDoesNotBuild(@TempDir Path dir) throws Exception {
    SafeClient upstream = upstream();
    assertThatThrownBy(
            () -> Relay.builder(upstream).resource(RelayedResource.pods()).audience("a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tls(certFile, keyFile)");
    assertThatThrownBy(
            () ->
                Relay.builder(upstream)
                    .resource(RelayedResource.pods())
                    .tls(tls("rsa-chain.crt"), tls("rsa.key"))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("audience(...)");
    // A PKCS#1 key is refused by name, its content never in the message.
    Path pkcs1 = dir.resolve("tls.key");
    Files.writeString(
        pkcs1,
        "-----BEGIN RSA PRIVATE KEY-----\nTUlJQ0tleUNvbnRlbnQ=\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(
            () ->
                Relay.builder(upstream)
                    .resource(RelayedResource.pods())
                    .tls(tls("rsa-chain.crt"), pkcs1)
                    .audience("a")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("TUlJQ0tleUNvbnRlbnQ")
        .hasRootCauseMessage(
            "the key is not PKCS#8 PEM (BEGIN PRIVATE KEY); convert it with openssl pkcs8 -topk8"
                + " -nocrypt");
    // An encrypted PKCS#8 key is named as such: the relay has no passphrase to open it with.
    Path encrypted = dir.resolve("encrypted.key");
    Files.writeString(
        encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nTUlJQ0tleUNvbnRlbnQ=\n"
            + "-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(
            () ->
                Relay.builder(upstream)
                    .resource(RelayedResource.pods())
                    .tls(tls("rsa-chain.crt"), encrypted)
                    .audience("a")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("TUlJQ0tleUNvbnRlbnQ")
        .hasRootCauseMessage(
            "the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY), and the relay has no passphrase:"
                + " mount it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
  }
}
