package dev.safeclient.core.internal.auth;

import io.kubernetes.client.util.SSLUtils;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The client certificate a TLS handshake presents, swappable while the client runs: the part of
 * client-go's {@code dynamicClientCert.GetClientCertificate} (transport/cert_rotation.go) that
 * answers each handshake with the certificate loaded last. A change closes this client's
 * connections ({@code onChange}), as client-go's {@code loadClientCert} does, so that the next
 * request handshakes again; TLS verification of the server is untouched.
 */
final class ClientCertificateKeyManager extends X509ExtendedKeyManager {
  /** One loaded certificate and key; aliases carry the generation so a handshake stays whole. */
  private record Loaded(long generation, X509KeyManager keys) {}

  private final Runnable onChange;
  private volatile Loaded current;
  private volatile Loaded previous;
  // Guarded by this: the PEM bytes of current, to tell a change from a re-read.
  private byte[] certificatePem;
  private byte[] keyPem;
  private long generation;

  ClientCertificateKeyManager(Runnable onChange) {
    this.onChange = onChange;
  }

  /**
   * Presents {@code certificate} and {@code key} (PEM) from the next handshake on; null for none.
   * Closes the client's connections when they differ from the ones loaded before.
   */
  void update(byte[] certificate, byte[] key) throws IOException {
    if (certificate == null || key == null) {
      certificate = null;
      key = null;
    }
    synchronized (this) {
      if (Arrays.equals(certificate, certificatePem) && Arrays.equals(key, keyPem)) {
        return;
      }
      Loaded next = certificate == null ? null : new Loaded(++generation, load(certificate, key));
      previous = current;
      current = next;
      certificatePem = certificate;
      keyPem = key;
    }
    // Also from none to one: connections made before presented no certificate.
    onChange.run();
  }

  private static X509KeyManager load(byte[] certificate, byte[] key) throws IOException {
    try {
      KeyManager[] managers =
          SSLUtils.keyManagers(
              certificate, key, SSLUtils.recognizePrivateKeyAlgo(key), "", null, null);
      for (KeyManager m : managers) {
        if (m instanceof X509KeyManager x) {
          return x;
        }
      }
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      // Only the exception's type: a parser's message may quote the key.
      throw new IOException(
          "client certificate or key cannot be loaded (" + e.getClass().getSimpleName() + ")");
    }
    throw new IOException("client certificate or key cannot be loaded");
  }

  private Loaded byAlias(String alias) {
    if (alias == null) {
      return null;
    }
    int slash = alias.indexOf('/');
    if (slash < 0) {
      return null;
    }
    long g = Long.parseLong(alias.substring(0, slash));
    Loaded c = current;
    if (c != null && c.generation == g) {
      return c;
    }
    Loaded p = previous;
    return p != null && p.generation == g ? p : null;
  }

  private static String inner(String alias) {
    return alias.substring(alias.indexOf('/') + 1);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    Loaded c = current;
    if (c == null) {
      return null;
    }
    String alias = c.keys.chooseClientAlias(keyTypes, issuers, socket);
    return alias == null ? null : c.generation + "/" + alias;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    Loaded c = current;
    if (c == null) {
      return null;
    }
    String alias =
        c.keys instanceof X509ExtendedKeyManager x
            ? x.chooseEngineClientAlias(keyTypes, issuers, engine)
            : c.keys.chooseClientAlias(keyTypes, issuers, null);
    return alias == null ? null : c.generation + "/" + alias;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    Loaded c = current;
    String[] aliases = c == null ? null : c.keys.getClientAliases(keyType, issuers);
    if (aliases == null) {
      return null;
    }
    return Arrays.stream(aliases).map(a -> c.generation + "/" + a).toArray(String[]::new);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Loaded l = byAlias(alias);
    return l == null ? null : l.keys.getCertificateChain(inner(alias));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Loaded l = byAlias(alias);
    return l == null ? null : l.keys.getPrivateKey(inner(alias));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
