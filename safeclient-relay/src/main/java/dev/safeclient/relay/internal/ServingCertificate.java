package dev.safeclient.relay.internal;

import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's serving certificate from mounted PEM files, reloaded when they change: a
 * kubernetes.io/tls Secret that cert-manager renews is updated in place in every pod that mounts
 * it. A changed pair that is valid serves every new TLS connection from then on; connections
 * already open, and the watches on them, keep the session they negotiated. A changed pair that is
 * not (a key that is not the certificate's, a file half written, one missing) is refused: the relay
 * goes on serving the pair it has, says so once per content in the log (paths and the reason, never
 * the content) and in health until a valid pair is loaded, and tries again when the files change
 * again.
 */
public final class ServingCertificate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingCertificate.class);

  /**
   * How often the files are read and compared. The kubelet itself brings a renewed Secret into the
   * pod only after its sync period and Secret cache TTL (about a minute each by default), and
   * cert-manager renews a third of a lifetime before expiry (30 days of 90), so 30 s adds little to
   * what the kubelet takes, for the cost of reading two small files. A schedule rather than a check
   * on handshake: a relay's agents hold long watches and rarely connect, so a handshake-driven
   * check could leave an expiring certificate in place for as long as nobody reconnects. Content is
   * compared, not modification times: that holds however the files were replaced (the kubelet's
   * atomic writer swaps a {@code ..data} symlink; other tools rewrite in place, maybe within one
   * timestamp tick, or copy with the old times).
   */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(30);

  private final Path certFile;
  private final Path keyFile;
  private final TimeSource clock;
  private final SslContextFactory.Server tls;

  /** The digest of the pair served, and its key store. */
  private byte[] served;

  private KeyStore servedStore;
  private char[] servedPassword;

  /** The digest of the content last read: the pair served, or the pair last refused. */
  private byte[] seen;

  private volatile String problem;
  private TimeSource.Timer timer;
  private boolean closed;

  private ServingCertificate(Path certFile, Path keyFile, TimeSource clock) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.clock = clock;
    this.tls = new SslContextFactory.Server();
  }

  /**
   * Reads the pair once; throws {@link IllegalArgumentException} if the relay cannot serve it (it
   * has nothing older to fall back on).
   */
  public static ServingCertificate load(Path certFile, Path keyFile, TimeSource clock) {
    ServingCertificate c = new ServingCertificate(certFile, keyFile, clock);
    try {
      byte[] cert = Files.readAllBytes(certFile);
      byte[] key = Files.readAllBytes(keyFile);
      char[] password = password();
      KeyStore store = PemTls.keyStore(cert, key, password);
      setKeyStore(c.tls, store, password);
      c.served = digest(cert, key);
      c.seen = c.served;
      c.servedStore = store;
      c.servedPassword = password;
    } catch (IOException | GeneralSecurityException e) {
      // Neither the key nor the file's content goes into the message.
      throw new IllegalArgumentException(
          "could not load the relay's TLS certificate "
              + certFile
              + " and key "
              + keyFile
              + ": "
              + PemTls.reason(e),
          e);
    }
    return c;
  }

  /** The context the relay's TLS connector serves from; reloaded in place. */
  public SslContextFactory.Server tls() {
    return tls;
  }

  /** Starts checking the files every {@link #CHECK_INTERVAL}. */
  public synchronized void start() {
    if (timer == null && !closed) {
      schedule();
    }
  }

  /** Why the files' current pair is not served, while it is not; empty when it is. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (timer != null) {
      timer.cancel();
    }
  }

  private synchronized void schedule() {
    if (closed) {
      return;
    }
    timer =
        clock.schedule(
            CHECK_INTERVAL,
            () -> {
              try {
                check();
              } catch (Throwable t) {
                LOG.error("relay: checking the serving certificate failed; next check in 30 s", t);
              } finally {
                schedule();
              }
            });
  }

  /** Reads the files; loads a changed valid pair, refuses a changed invalid one. */
  synchronized void check() {
    byte[] cert;
    byte[] key;
    try {
      cert = Files.readAllBytes(certFile);
      key = Files.readAllBytes(keyFile);
    } catch (IOException e) {
      refuse(e);
      return;
    }
    byte[] now = digest(cert, key);
    if (Arrays.equals(now, served)) {
      // Back to the served pair (after a blip, or a refused pair undone): nothing is wrong.
      seen = now;
      problem = null;
      return;
    }
    if (Arrays.equals(now, seen)) {
      return; // the pair refused at the last check: said once
    }
    seen = now;
    char[] password = password();
    KeyStore store;
    try {
      store = PemTls.keyStore(cert, key, password);
    } catch (IOException | GeneralSecurityException e) {
      refuse(e);
      return;
    }
    try {
      tls.reload(f -> setKeyStore((SslContextFactory.Server) f, store, password));
    } catch (Exception e) {
      // The context did not take a pair that passed every check: put the served one back.
      refuse(e);
      try {
        tls.reload(f -> setKeyStore((SslContextFactory.Server) f, servedStore, servedPassword));
      } catch (Exception again) {
        LOG.error("relay: could not restore the served certificate either", again);
      }
      return;
    }
    served = now;
    servedStore = store;
    servedPassword = password;
    problem = null;
    LOG.info("relay: loaded the renewed serving certificate {} and key {}", certFile, keyFile);
  }

  private void refuse(Exception e) {
    String reason =
        "the certificate "
            + certFile
            + " and key "
            + keyFile
            + " were not loaded: "
            + PemTls.reason(e)
            + "; serving the previous pair";
    if (reason.equals(problem)) {
      return; // as at the last check (files still unreadable): said once
    }
    problem = reason;
    LOG.warn("relay: {}", reason);
  }

  private static void setKeyStore(SslContextFactory.Server f, KeyStore store, char[] password) {
    f.setKeyStore(store);
    f.setKeyStorePassword(new String(password));
  }

  /** A password only because PKCS12 wants one; the store never leaves memory. */
  private static char[] password() {
    return Long.toHexString(new SecureRandom().nextLong()).toCharArray();
  }

  private static byte[] digest(byte[] cert, byte[] key) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(cert);
      d.update((byte) 0);
      d.update(key);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
