package dev.safeclient.core.internal.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The client's TLS socket factory, made again from a new {@link SSLContext} when the client
 * certificate changes. Java resumes TLS sessions, and a resumed session presents the certificate of
 * the session it resumes: a fresh context has none to resume. (Go's TLS client, without a session
 * cache in client-go, has no such step.) The trust manager is the one the client was built with:
 * server verification is unchanged.
 */
final class ClientTlsSocketFactory extends SSLSocketFactory {
  private final KeyManager keys;
  private final X509TrustManager trust;
  private volatile SSLSocketFactory delegate;

  ClientTlsSocketFactory(KeyManager keys, X509TrustManager trust) {
    this.keys = keys;
    this.trust = trust;
    renew();
  }

  /** From now on, handshakes start new sessions. */
  void renew() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
      delegate = context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new UncheckedIOException(new IOException("cannot set up TLS", e));
    }
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket() throws IOException {
    return delegate.createSocket();
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose)
      throws IOException {
    return delegate.createSocket(s, host, port, autoClose);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return delegate.createSocket(host, port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return delegate.createSocket(address, port, localAddress, localPort);
  }
}
