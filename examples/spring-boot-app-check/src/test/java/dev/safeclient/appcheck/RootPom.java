package dev.safeclient.appcheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the reactor's root pom, where the versions the starter is built with are written. */
final class RootPom {
  private RootPom() {}

  static String text(Path pom) {
    try {
      return Files.readString(pom);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A property of the root pom's {@code <properties>}, such as {@code kotlin.version}. */
  static String property(String name) {
    Matcher m =
        Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">")
            .matcher(text(ResolvedVersionsTest.root().resolve("pom.xml")));
    if (!m.find()) {
      throw new AssertionError("no <" + name + "> in the root pom");
    }
    return m.group(1).trim();
  }
}
