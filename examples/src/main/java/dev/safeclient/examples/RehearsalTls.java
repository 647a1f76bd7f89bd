package dev.safeclient.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway serving certificate for the rehearsal's relays, made when the rehearsal starts and
 * deleted with its folder: no private key ships in the examples. The certificate is self-signed for
 * 127.0.0.1 and localhost, so it is also the CA the agents trust.
 *
 * <p>Made by the running JDK's own {@code keytool}: the JDK has no public API that signs a
 * certificate, and the rehearsal should not need a crypto library for it.
 */
record RehearsalTls(Path certificate, Path privateKey) {

  /** keytool's RSA key generation takes well under a second; this bounds a hung process. */
  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

  private static final String ALIAS = "relay";

  /** Only lives as long as the keystore file it protects, which is deleted right away. */
  private static final String STORE_PASSWORD = "rehearsal-only";

  /**
   * Writes {@code tls.crt} and {@code tls.key} (PKCS#8 PEM, as cert-manager writes) to {@code dir}.
   */
  static RehearsalTls create(Path dir) throws IOException {
    Path store = dir.resolve("relay-tls.p12");
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        ALIAS,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=safeclient-rehearsal-relay",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-ext",
        "BC:c=ca:true",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        STORE_PASSWORD);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, STORE_PASSWORD.toCharArray());
      }
      Key key = ks.getKey(ALIAS, STORE_PASSWORD.toCharArray());
      Certificate cert = ks.getCertificate(ALIAS);
      if (!(key instanceof PrivateKey) || cert == null) {
        throw new IOException("keytool wrote no key pair under alias " + ALIAS);
      }
      Path crt = dir.resolve("tls.crt");
      Path pem = dir.resolve("tls.key");
      Files.writeString(crt, pem("CERTIFICATE", cert.getEncoded()));
      Files.writeString(pem, pem("PRIVATE KEY", key.getEncoded()));
      return new RehearsalTls(crt, pem);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the keystore keytool wrote", e);
    } finally {
      Files.deleteIfExists(store);
    }
  }

  /** The CA the agents trust: the self-signed certificate itself. */
  byte[] caPem() throws IOException {
    return Files.readAllBytes(certificate);
  }

  private static String pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static void keytool(Path dir, String... args) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    // To a file, not a pipe: a pipe read before waitFor would outwait the timeout.
    Path output = dir.resolve("keytool.out");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      if (!p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("keytool did not finish in " + KEYTOOL_TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "keytool failed (exit " + p.exitValue() + "): " + Files.readString(output).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while keytool made the rehearsal's certificate", e);
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
