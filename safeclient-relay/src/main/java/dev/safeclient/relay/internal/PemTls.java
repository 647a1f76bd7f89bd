package dev.safeclient.relay.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The relay's serving certificate from mounted PEM files (a Secret of type kubernetes.io/tls, as
 * cert-manager writes it): the chain, leaf first, and its PKCS#8 private key, RSA or EC, loaded
 * with the JDK alone into an in-memory key store. Read once at start: a renewed certificate takes a
 * restart (a rolling one, with replicas behind the Service).
 */
public final class PemTls {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemTls() {}

  /** A Jetty server TLS context serving the chain in {@code certFile} with {@code keyFile}. */
  public static SslContextFactory.Server server(Path certFile, Path keyFile) {
    try {
      List<Certificate> chain = chain(certFile);
      PrivateKey key = privateKey(keyFile);
      requireKeyOf(chain.get(0), key);
      // A password only because PKCS12 wants one; the store never leaves memory.
      char[] password = Long.toHexString(new SecureRandom().nextLong()).toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("relay", key, password, chain.toArray(new Certificate[0]));
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStore(store);
      tls.setKeyStorePassword(new String(password));
      return tls;
    } catch (IOException | GeneralSecurityException e) {
      // Neither the key nor the file's content goes into the message.
      throw new IllegalArgumentException(
          "could not load the relay's TLS certificate "
              + certFile
              + " and key "
              + keyFile
              + ": "
              + e.getClass().getSimpleName(),
          e);
    }
  }

  static List<Certificate> chain(Path certFile) throws IOException, GeneralSecurityException {
    List<? extends Certificate> certs;
    try (ByteArrayInputStream in = new ByteArrayInputStream(Files.readAllBytes(certFile))) {
      certs = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate in the file");
    }
    return List.copyOf(certs);
  }

  /**
   * Refuses a key that is not the leaf certificate's: the key store takes any pair, and the relay
   * would start and then fail every handshake (a wrong Secret mounted, a renewal half applied).
   * Proven by a signature the certificate's public key verifies, for RSA and EC alike.
   */
  static void requireKeyOf(Certificate leaf, PrivateKey key) throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    boolean matches;
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(challenge);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(leaf.getPublicKey());
      verify.update(challenge);
      matches = verify.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      matches = false; // another algorithm's key, or a curve's signature the key cannot check
    }
    if (!matches) {
      throw new GeneralSecurityException(
          "the private key is not the one of the first certificate's public key");
    }
  }

  /**
   * A PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC. PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and
   * SEC1 ({@code BEGIN EC PRIVATE KEY}) are refused: cert-manager writes PKCS#8 with {@code
   * privateKey.encoding: PKCS8}, and {@code openssl pkcs8 -topk8 -nocrypt} converts.
   */
  static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException {
    String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new GeneralSecurityException(
          "the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY), and the relay has no passphrase:"
              + " mount it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
    }
    Matcher m = PRIVATE_KEY.matcher(pem);
    if (!m.find()) {
      throw new GeneralSecurityException(
          "the key is not PKCS#8 PEM (BEGIN PRIVATE KEY); convert it with openssl pkcs8 -topk8"
              + " -nocrypt");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm's key: try the next
      }
    }
    throw new GeneralSecurityException("the PKCS#8 key is neither RSA nor EC");
  }
}
