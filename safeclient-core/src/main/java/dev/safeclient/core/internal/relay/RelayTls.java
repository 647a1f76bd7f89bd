package dev.safeclient.core.internal.relay;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of the relay's connections: trusts the relay's CA and nothing else, and holds no
 * key, so that no client certificate (the API server's credential) is ever presented to the relay.
 */
final class RelayTls {
  final SSLContext context;
  final X509TrustManager trust;

  private RelayTls(SSLContext context, X509TrustManager trust) {
    this.context = context;
    this.trust = trust;
  }

  static RelayTls trusting(byte[] caPem) {
    try {
      Collection<? extends Certificate> cas =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(caPem));
      if (cas.isEmpty()) {
        throw new IllegalArgumentException("the relay's CA holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca : cas) {
        store.setCertificateEntry("relay-ca-" + i++, ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      X509TrustManager trust = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          trust = x;
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      return new RelayTls(context, trust);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("the relay's CA cannot be read: " + e.getMessage(), e);
    }
  }
}
