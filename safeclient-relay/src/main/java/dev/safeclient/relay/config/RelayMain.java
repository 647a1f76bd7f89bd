package dev.safeclient.relay.config;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.auth.DefaultConfig;
import dev.safeclient.relay.Relay;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay as a process: {@code java -jar safeclient-relay-all.jar --config relay.yaml}. Reads the
 * configuration, connects upstream as the pod's ServiceAccount (or {@code upstream.kubeconfig}),
 * serves until SIGTERM, then closes the server (open watches end) and the upstream watches. Exit
 * codes: 0 after {@code --help} or a clean stop, 2 for a bad command line or configuration (one
 * line naming the key, no stack trace), 1 for any other failure.
 */
public final class RelayMain {
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  static final String USAGE =
      """
      Usage: java -jar safeclient-relay-all.jar --config relay.yaml

      Serves GET, LIST and WATCH of the configured resources to agents, as the API server
      would, from one upstream list and watch per resource. See safeclient-relay/deploy/
      for an example relay.yaml and the manifests.

        --config FILE   the relay's configuration (YAML)
        --help          this text
      """;

  private static final Logger LOG = LoggerFactory.getLogger(RelayMain.class);

  private RelayMain() {}

  public static void main(String[] args) {
    Thread.setDefaultUncaughtExceptionHandler(RelayMain::uncaught);
    Running running = launch(args, System.out, System.err);
    if (running.exitCode() >= 0) {
      System.exit(running.exitCode());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "relay-shutdown"));
    running.awaitClosed();
  }

  /**
   * Parses the command line, reads the configuration and starts the relay. Returns a running relay,
   * or, when there is nothing to run, the exit code ({@link Running#exitCode()} not negative),
   * having said why on {@code err}.
   */
  static Running launch(String[] args, PrintStream out, PrintStream err) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--help", "-h" -> {
          out.print(USAGE);
          return Running.exited(0);
        }
        case "--config" -> {
          if (i + 1 == args.length) {
            return usage(err, "--config needs a file");
          }
          file = Path.of(args[++i]);
        }
        default -> {
          return usage(err, "unknown argument: " + args[i]);
        }
      }
    }
    if (file == null) {
      return usage(err, "--config is required");
    }
    RelayConfig config;
    try {
      config = RelayConfig.read(file);
    } catch (ConfigException e) {
      err.println("safeclient-relay: " + file + ": " + e.getMessage());
      return Running.exited(EXIT_USAGE);
    }
    SafeClient upstream;
    try {
      upstream = upstream(config);
    } catch (IOException | RuntimeException e) {
      err.println("safeclient-relay: no upstream: " + e.getMessage());
      return Running.exited(EXIT_FAILURE);
    }
    Relay relay;
    try {
      relay = config.configure(Relay.builder(upstream)).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // The TLS files (the message names them, never their content) or a resource the builder
      // refuses: the configuration's to fix.
      upstream.close();
      err.println("safeclient-relay: " + file + ": " + e.getMessage() + why(e.getCause()));
      return Running.exited(EXIT_USAGE);
    }
    try {
      relay.start();
    } catch (RuntimeException e) {
      relay.close();
      upstream.close();
      err.println("safeclient-relay: could not start: " + e.getMessage());
      return Running.exited(EXIT_FAILURE);
    }
    LOG.info(
        "relay serving {} at {} for audience {}, upstream {}",
        config.resources(),
        relay.url(),
        config.audience(),
        config.kubeconfig().map(Path::toString).orElse("the pod's ServiceAccount"));
    return new Running(relay, upstream, -1);
  }

  private static SafeClient upstream(RelayConfig config) throws IOException {
    // DefaultConfig, not client-java's ClientBuilder.cluster(): it re-reads the projected
    // ServiceAccount token as the kubelet rotates it, where ClientBuilder reads it once.
    DefaultConfig found =
        config.kubeconfig().isPresent()
            ? DefaultConfig.fromKubeconfig(config.kubeconfig().get(), null)
            : DefaultConfig.load();
    return SafeClient.builder(found.apiClient())
        .tokenSource(found.tokenSource())
        .qps(config.qps())
        .burst(config.burst())
        .userAgent("safeclient-relay")
        .build();
  }

  /**
   * The cause's message where it can only be ours or a path: PemTls's own refusals (plain {@link
   * GeneralSecurityException}s), and a missing or unreadable file. Never a parser's message, which
   * could quote the file.
   */
  private static String why(Throwable cause) {
    if (cause != null
        && (cause.getClass() == GeneralSecurityException.class
            || cause instanceof NoSuchFileException
            || cause instanceof AccessDeniedException)) {
      return " (" + cause.getMessage() + ")";
    }
    return "";
  }

  private static Running usage(PrintStream err, String problem) {
    err.println("safeclient-relay: " + problem);
    err.print(USAGE);
    return Running.exited(EXIT_USAGE);
  }

  private static void uncaught(Thread t, Throwable e) {
    LOG.error("relay: uncaught failure in {}; exiting", t.getName(), e);
    // Not on the failing thread: System.exit blocks while shutdown hooks run.
    Thread exit = new Thread(() -> System.exit(EXIT_FAILURE), "relay-exit");
    exit.setDaemon(true);
    exit.start();
  }

  /** A started relay and its upstream client, or the exit code of a launch that did not start. */
  static final class Running {
    private final Relay relay;
    private final SafeClient upstream;
    private final int exitCode;
    private final CountDownLatch closed = new CountDownLatch(1);

    Running(Relay relay, SafeClient upstream, int exitCode) {
      this.relay = relay;
      this.upstream = upstream;
      this.exitCode = exitCode;
    }

    static Running exited(int code) {
      return new Running(null, null, code);
    }

    int exitCode() {
      return exitCode;
    }

    Relay relay() {
      return relay;
    }

    /** Stops serving (open watches end), then the upstream watches and client. Idempotent. */
    synchronized void close() {
      if (relay != null && closed.getCount() > 0) {
        LOG.info("relay stopping");
        relay.close();
        upstream.close();
        LOG.info("relay stopped");
      }
      closed.countDown();
    }

    void awaitClosed() {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
