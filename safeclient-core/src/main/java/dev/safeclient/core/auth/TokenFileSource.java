package dev.safeclient.core.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A token read from a file and read again, like a projected service-account token that the kubelet
 * rotates (it expires after an hour by default). Re-read at most every minute, as client-go's
 * cached file token source does, and at once after a 401.
 */
public final class TokenFileSource implements TokenSource {
  /** client-go (transport/token_source.go): re-read the file every minute. */
  static final long REREAD_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Path file;
  private String token;
  private long readAt;

  public TokenFileSource(Path file) {
    this.file = file;
  }

  @Override
  public synchronized String token() throws IOException {
    if (token == null || System.nanoTime() - readAt > REREAD_NANOS) {
      return refresh();
    }
    return token;
  }

  @Override
  public synchronized String refresh() throws IOException {
    token = Files.readString(file, StandardCharsets.UTF_8).trim();
    readAt = System.nanoTime();
    return token;
  }

  @Override
  public String toString() {
    return "TokenFileSource[" + file + "]";
  }
}
