package dev.safeclient.core.internal.auth;

import dev.safeclient.core.TokenSource;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token read from a file and read again, like a projected service-account token that the kubelet
 * rotates (at 80% of its lifetime, an hour by default). Re-read every {@link
 * KubeConfigTokenSource#REREAD_PERIOD}, as client-go's {@code NewCachedFileTokenSource} does, and
 * at once after a 401, whichever comes first; no API request is spent on it. Surrounding whitespace
 * is dropped ({@code echo tok > file} ends in a newline), as client-go's {@code strings.TrimSpace}.
 */
public final class TokenFileSource implements TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenFileSource.class);

  private final Path file;
  private final TimeSource clock;
  private final String server;
  // Guarded by this.
  private String token;
  private long readAtNanos;

  /** A token file not pinned to a server, re-read on the system clock. */
  public TokenFileSource(Path file) {
    this(file, TimeSource.system(), null);
  }

  /**
   * @param server the only server this token is sent to; null for any
   */
  public TokenFileSource(Path file, TimeSource clock, String server) {
    this.file = file;
    this.clock = clock;
    this.server = server;
  }

  @Override
  public String server() {
    return server;
  }

  @Override
  public synchronized String token() throws IOException {
    if (token != null
        && clock.nanoTime() - readAtNanos < KubeConfigTokenSource.REREAD_PERIOD.toNanos()) {
      return token;
    }
    try {
      return refresh();
    } catch (IOException e) {
      if (token == null) {
        throw e;
      }
      // As client-go's cachingTokenSource: keep the token while the file cannot be read, and try
      // again next period.
      readAtNanos = clock.nanoTime();
      log.warn("Cannot re-read token file {}; keeping the current token: {}", file, e.getMessage());
      return token;
    }
  }

  @Override
  public synchronized String refresh() throws IOException {
    token = read(file);
    readAtNanos = clock.nanoTime();
    return token;
  }

  /** The file's token, trimmed; an empty file is an error, not an empty token. */
  static String read(Path file) throws IOException {
    String t;
    try {
      t = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IOException(
          "token file " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
    if (t.isEmpty()) {
      throw new IOException("token file " + file + " is empty");
    }
    return t;
  }

  @Override
  public String toString() {
    return "TokenFileSource[" + file + "]";
  }
}
