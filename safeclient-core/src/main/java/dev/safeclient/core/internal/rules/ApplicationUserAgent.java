package dev.safeclient.core.internal.rules;

import java.util.Locale;

/**
 * A better default {@code User-Agent} than client-java's: the application's name ({@code
 * spring.application.name}, else the main class or jar from {@code sun.java.command}), then
 * safeclient, then the platform, in the spirit of client-go's {@code binary/version (os/arch)}.
 */
final class ApplicationUserAgent {
  private ApplicationUserAgent() {}

  static String detect() {
    // A header value must be visible ASCII; a name like "café" would make OkHttp throw.
    return (application()
            + " ("
            + System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT).replace(' ', '-')
            + "/"
            + System.getProperty("os.arch", "unknown")
            + ") safeclient")
        .replaceAll("[^\\x20-\\x7e]", "_");
  }

  static String application() {
    String spring = System.getProperty("spring.application.name");
    if (spring != null && !spring.isBlank()) {
      return spring.trim();
    }
    String command = System.getProperty("sun.java.command");
    if (command == null || command.isBlank()) {
      return "java";
    }
    String main = command.trim().split("\\s+")[0];
    if (main.endsWith(".jar")) {
      main = main.substring(Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\')) + 1);
      return main.substring(0, main.length() - ".jar".length());
    }
    return main.substring(main.lastIndexOf('.') + 1);
  }
}
