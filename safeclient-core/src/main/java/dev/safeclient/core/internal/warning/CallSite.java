package dev.safeclient.core.internal.warning;

import java.security.CodeSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The user's call site: the first stack frame outside safeclient, client-java, OkHttp/Okio, Kotlin,
 * Gson, protobuf and the JDK. Walked lazily, and only when a rule fired.
 */
final class CallSite {
  static final String UNKNOWN = "unknown";

  private static final List<String> LIBRARY_PREFIXES =
      List.of(
          "io.kubernetes.client.",
          "okhttp3.",
          "okio.",
          "kotlin.",
          "kotlinx.",
          "com.google.gson.",
          "com.google.protobuf.",
          "java.",
          "javax.",
          "jdk.",
          "sun.",
          "com.sun.",
          // safeclient's other library modules; core is recognised by its code source below.
          "dev.safeclient.informer.",
          "dev.safeclient.spring.");

  private static final StackWalker WALKER =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

  /** Where core's classes were loaded from. Its own tests, loaded from elsewhere, are user code. */
  private static final Optional<CodeSource> CORE = codeSource(CallSite.class);

  private CallSite() {}

  /** {@code Class.method(File:line)} of the caller, or {@link #UNKNOWN} (an async call). */
  static String capture() {
    return WALKER.walk(
        frames ->
            frames
                .filter(f -> !isLibrary(f))
                .findFirst()
                .map(
                    f ->
                        f.getClassName()
                            + "."
                            + f.getMethodName()
                            + "("
                            + f.getFileName()
                            + ":"
                            + f.getLineNumber()
                            + ")")
                .orElse(UNKNOWN));
  }

  private static boolean isLibrary(StackWalker.StackFrame f) {
    String name = f.getClassName();
    for (String prefix : LIBRARY_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return name.startsWith("dev.safeclient.core.")
        && CORE.isPresent()
        && CORE.equals(codeSource(f.getDeclaringClass()));
  }

  private static Optional<CodeSource> codeSource(Class<?> c) {
    try {
      return Optional.ofNullable(c.getProtectionDomain())
          .map(pd -> pd.getCodeSource())
          .filter(cs -> Objects.nonNull(cs.getLocation()));
    } catch (SecurityException e) {
      return Optional.empty();
    }
  }
}
