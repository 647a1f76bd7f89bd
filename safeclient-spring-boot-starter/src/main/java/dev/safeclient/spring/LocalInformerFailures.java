package dev.safeclient.spring;

import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerHealth.LocalState;
import dev.safeclient.informer.SafeInformerFactory;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The informers of this process whose own machinery failed (an {@code Error} in a reflector), as
 * opposed to informers waiting out an API-server outage. Declared informers marked {@code required:
 * false} are left out: the application said it runs without them.
 */
final class LocalInformerFailures {
  private LocalInformerFailures() {}

  /** Name → health of each counted informer not {@link LocalState#RUNNING}. */
  static Map<String, InformerHealth> find(
      DeclaredInformers declared, ObjectProvider<SafeInformerFactory> factory) {
    Map<String, InformerHealth> failed = new LinkedHashMap<>();
    // By the informer's name, unique within its factory.
    Set<String> optional = new HashSet<>();
    Set<String> counted = new HashSet<>();
    if (declared.registrationFailure().isEmpty()) {
      for (DeclaredInformers.Declared d : declared.all()) {
        declared
            .health(d)
            .ifPresent(
                h -> {
                  if (!d.required()) {
                    optional.add(h.name());
                  } else {
                    counted.add(h.name());
                    if (h.localState() != LocalState.RUNNING) {
                      failed.put(d.name(), h);
                    }
                  }
                });
      }
    }
    for (InformerHealth h : all(factory)) {
      if (!optional.contains(h.name())
          && !counted.contains(h.name())
          && h.localState() != LocalState.RUNNING) {
        failed.put(h.name(), h);
      }
    }
    return failed;
  }

  private static Collection<InformerHealth> all(ObjectProvider<SafeInformerFactory> factory) {
    try {
      SafeInformerFactory f = factory.getIfAvailable();
      return f == null ? java.util.List.of() : f.health();
    } catch (RuntimeException e) {
      // A lazy app without a cluster: no informer runs, none has failed.
      return java.util.List.of();
    }
  }

  /** "pods: STOPPED_ON_ERRORS after 3 local failures (java.lang.OutOfMemoryError: ...)". */
  static String describe(String name, InformerHealth h) {
    return name
        + ": "
        + h.localState()
        + " after "
        + h.localFailures()
        + " local failure(s)"
        + h.lastLocalFailure().map(f -> " (" + f + ")").orElse("");
  }
}
