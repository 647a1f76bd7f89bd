package dev.safeclient.relay.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

/**
 * A serving certificate from PEM (a Secret of type kubernetes.io/tls, as cert-manager writes it):
 * the chain, leaf first, and its PKCS#8 private key, RSA or EC, loaded with the JDK alone into an
 * in-memory key store. {@link ServingCertificate} reads the files and reloads them when they
 * change.
 */
final class PemTls {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemTls() {}

  /** A pair the relay refuses to serve; the message names the problem, never the content. */
  static final class InvalidPair extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    InvalidPair(String message) {
      super(message);
    }
  }

  /**
   * An in-memory key store holding the chain in {@code certPem} with the key in {@code keyPem},
   * under {@code password}; throws for a pair the relay must not serve (no certificate, a key that
   * is not PKCS#8, nor the leaf's).
   */
  static KeyStore keyStore(byte[] certPem, byte[] keyPem, char[] password)
      throws IOException, GeneralSecurityException {
    List<Certificate> chain = chain(certPem);
    PrivateKey key = privateKey(new String(keyPem, StandardCharsets.US_ASCII));
    requireKeyOf(chain.get(0), key);
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("relay", key, password, chain.toArray(new Certificate[0]));
    return store;
  }

  /**
   * Why a pair was refused, for a log line or health: the relay's own reason, or the failing
   * check's exception class. Never a parser's message, which could quote the content.
   */
  static String reason(Exception e) {
    return e instanceof InvalidPair ? e.getMessage() : e.getClass().getSimpleName();
  }

  static List<Certificate> chain(byte[] certPem) throws IOException, GeneralSecurityException {
    List<? extends Certificate> certs;
    try (ByteArrayInputStream in = new ByteArrayInputStream(certPem)) {
      certs = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
    if (certs.isEmpty()) {
      throw new InvalidPair("no certificate in the file");
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
      throw new InvalidPair("the private key is not the one of the first certificate's public key");
    }
  }

  /**
   * A PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC. PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and
   * SEC1 ({@code BEGIN EC PRIVATE KEY}) are refused: cert-manager writes PKCS#8 with {@code
   * privateKey.encoding: PKCS8}, and {@code openssl pkcs8 -topk8 -nocrypt} converts.
   */
  static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new InvalidPair(
          "the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY), and the relay has no passphrase:"
              + " mount it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
    }
    Matcher m = PRIVATE_KEY.matcher(pem);
    if (!m.find()) {
      throw new InvalidPair(
          "the key is not PKCS#8 PEM (BEGIN PRIVATE KEY); convert it with openssl pkcs8 -topk8"
              + " -nocrypt");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new InvalidPair("the key's base64 is malformed");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm's key: try the next
      }
    }
    throw new InvalidPair("the PKCS#8 key is neither RSA nor EC");
  }
}
