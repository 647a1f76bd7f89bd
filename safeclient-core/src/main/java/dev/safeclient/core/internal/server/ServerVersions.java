package dev.safeclient.core.internal.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The oldest server version seen per host. Behind a load balancer and during an upgrade versions
 * mix, and a rewrite is allowed only where it is harmless on the oldest one; so a version learnt
 * again (after a reconnect) can only lower what is known, never raise it.
 *
 * <p>A version given to the builder wins over anything learnt, for clusters with non-default gates.
 */
public final class ServerVersions {
  private final ServerVersion override;
  private final boolean oldEtcd;
  private final Map<String, Known> byHost = new ConcurrentHashMap<>();
  private final Set<Connection> seen =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /**
   * @param override the version to assume instead of learning it; null to learn {@code /version}
   * @param oldEtcd whether etcd lacks progress requests (older than 3.4.31 / 3.5.13), which {@code
   *     /version} cannot tell
   */
  public ServerVersions(ServerVersion override, boolean oldEtcd) {
    this.override = override == null ? null : oldEtcd ? override.withOldEtcd() : override;
    this.oldEtcd = oldEtcd;
  }

  /** What is known of one host: the oldest version, or empty when never learnt or unparseable. */
  private record Known(Optional<ServerVersion> oldest, boolean stale) {}

  /** Whether {@code /version} should be asked (again) before a decision for this host. */
  public boolean needsLearning(String host) {
    if (override != null) {
      return false;
    }
    Known k = byHost.get(host);
    return k == null || k.stale();
  }

  /** The version decisions for this host are made for; empty when unknown (pass through). */
  public Optional<ServerVersion> oldest(String host) {
    if (override != null) {
      return Optional.of(override);
    }
    Known k = byHost.get(host);
    return k == null ? Optional.empty() : k.oldest();
  }

  /** Records a {@code /version} answer (or empty, when it could not be read). */
  public void learnt(String host, Optional<ServerVersion> version) {
    Optional<ServerVersion> v = version.map(s -> oldEtcd ? s.withOldEtcd() : s);
    byHost.compute(
        host,
        (h, before) -> {
          if (before == null || before.oldest().isEmpty()) {
            return new Known(v, false);
          }
          if (v.isPresent() && v.get().minor() < before.oldest().get().minor()) {
            return new Known(v, false);
          }
          return new Known(before.oldest(), false);
        });
  }

  /**
   * Parses a {@code /version} answer. The emulated version, where the server reports one, decides
   * the feature defaults ({@code --emulated-version}, 1.31+), so it wins over the binary's.
   * Versions newer than the model are served by the newest rules modelled; older ones are unknown.
   */
  public static Optional<ServerVersion> parse(String json) {
    try {
      JsonElement root = JsonParser.parseString(json);
      if (!root.isJsonObject()) {
        return Optional.empty();
      }
      JsonObject o = root.getAsJsonObject();
      String major = text(o, "emulationMajor");
      String minor = text(o, "emulationMinor");
      if (major == null || minor == null) {
        major = text(o, "major");
        minor = text(o, "minor");
      }
      if (!"1".equals(major) || minor == null) {
        return Optional.empty();
      }
      // Managed distributions report minors such as "30+".
      int m = Integer.parseInt(minor.replaceAll("[^0-9].*$", ""));
      if (m < ServerVersion.OLDEST_MINOR) {
        return Optional.empty();
      }
      // A newer server (1.37+) is taken as the newest modelled. For its rules that is what the
      // class comment says; for rendering Protobuf as JSON it means the newest release's Go json
      // tags, which is safe: Kubernetes' API rules never rename a field's json name or change its
      // type, so a newer release can only differ in whether a zero or nil value is written
      // (omitempty, omitzero), and the API server decodes an absent field and its zero value
      // alike, so a PUT of such a tree changes nothing; a reader of the tree itself may see such
      // a zero value written where the server's JSON omits it. A field the newest schema does not
      // know
      // is an unknown field number: the object is read again in JSON, or its kind marked lossy.
      return Optional.of(ServerVersion.ofMinor(Math.min(m, ServerVersion.NEWEST_MINOR)));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || !e.isJsonPrimitive() ? null : e.getAsString().trim();
  }

  /**
   * A network interceptor: a connection not seen before to a host already known means this client
   * reconnected (a restart, a rolling upgrade, another apiserver behind the balancer), so the next
   * decision asks {@code /version} again.
   */
  public Interceptor reconnectWitness() {
    return chain -> {
      Connection c = chain.connection();
      if (c != null && seen.add(c)) {
        byHost.computeIfPresent(
            chain.request().url().host(), (h, k) -> new Known(k.oldest(), true));
      }
      return proceed(chain);
    };
  }

  private static Response proceed(Interceptor.Chain chain) throws IOException {
    return chain.proceed(chain.request());
  }
}
