package dev.safeclient.testing;

import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link KubeSim.Builder}'s options, snapshotted when the sim starts: later builder calls do not
 * leak in.
 */
final class SimConfig {
  final Duration bookmarkInterval;
  final Duration eventWindow;
  final int eventWindowCapacity;
  final Duration continueExpiry;
  final Duration cacheWait;
  final Duration progressNotifyInterval;
  final Duration cacheInitialization;
  final Duration cacheLag;
  final Map<Integer, Duration> lags;
  final int minor;
  final int apiservers;
  final int apfConcurrencyLimit;
  final int apfHandSize;
  final int maxThreads;
  final int port;
  final boolean kubeletDeletes;
  final boolean namespaceLifecycle;
  final java.util.List<String> namespaces;
  final TimeSource clock;
  final FaultScript faults;
  final Set<String> cacheDisabled;
  final List<ResourceType> registered;

  /** Registered custom resources' structural schemas, by group/version/plural. */
  final java.util.Map<String, com.google.gson.JsonObject> crdSchemas;

  /** The release with its gate overrides and etcd: where reads are served, what APF charges. */
  final ServerVersion version;

  final int requestLogCapacity;

  /** Bearer token to user name. */
  final Map<String, String> users;

  /** Tokens revoked since the start: they authenticate no more, as a deleted pod's bound token. */
  private final Set<String> revoked = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Bearer token to the audiences it is bound to; a token not here is the API server's. */
  final Map<String, List<String>> audiences;

  final List<Authorization.Rule> rules;

  /** Bearer token to the user.extra its TokenReview answers (pod-bound tokens). */
  final Map<String, Map<String, List<String>>> extras;

  final boolean nodeAuthorizer;

  /** groupVersionPlural of resources served by a simulated extension apiserver. */
  final Set<String> aggregated;

  SimConfig(KubeSim.Builder b) {
    bookmarkInterval = b.bookmarkInterval;
    eventWindow = b.eventWindow;
    eventWindowCapacity = b.eventWindowCapacity;
    continueExpiry = b.continueExpiry;
    cacheWait = b.cacheWait;
    progressNotifyInterval = b.progressNotifyInterval;
    cacheInitialization = b.cacheInitialization;
    cacheLag = b.cacheLag;
    lags = Map.copyOf(b.lags);
    minor = b.minor;
    apiservers = b.apiservers;
    apfConcurrencyLimit = b.apfConcurrencyLimit;
    apfHandSize = b.apfHandSize;
    maxThreads = b.maxThreads;
    port = b.port;
    kubeletDeletes = b.kubeletDeletes;
    namespaceLifecycle = b.namespaceLifecycle;
    namespaces = java.util.List.copyOf(b.namespaces);
    clock = b.clock;
    faults = b.faults;
    cacheDisabled = Set.copyOf(b.cacheDisabled);
    registered = List.copyOf(b.registered);
    crdSchemas = java.util.Map.copyOf(b.crdSchemas);
    requestLogCapacity = b.requestLogCapacity;
    users = Map.copyOf(b.users);
    audiences = Map.copyOf(b.audiences);
    rules = List.copyOf(b.rules);
    extras = Map.copyOf(b.extras);
    nodeAuthorizer = b.nodeAuthorizer;
    aggregated =
        b.aggregated.stream()
            .map(ResourceType::groupVersionPlural)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    ServerVersion v = ServerVersion.ofMinor(b.minor);
    for (Map.Entry<FeatureGate, Boolean> g : b.gates.entrySet()) {
      v = v.with(g.getKey(), g.getValue());
    }
    version = b.oldEtcd ? v.withOldEtcd() : v;
  }

  /** The user a request authenticates as: its bearer token's, else anonymous. */
  String identity(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "system:anonymous";
    }
    String token = authorization.substring(7).trim();
    String user = userOf(token);
    // A token bound to another audience (a relay's) does not authenticate to the API server.
    return user == null || !audiencesOf(token).contains(KubeSim.API_AUDIENCE)
        ? "unknown-bearer-token"
        : user;
  }

  /** The user a bearer token authenticates as, or null for an unknown or revoked one. */
  String userOf(String token) {
    return revoked.contains(token) ? null : users.get(token);
  }

  void revoke(String token) {
    revoked.add(token);
  }

  /** The audiences a known token is bound to: the API server's unless the builder said others. */
  List<String> audiencesOf(String token) {
    return audiences.getOrDefault(token, List.of(KubeSim.API_AUDIENCE));
  }

  /** Whether resource requests are authorized at all (any rule, or the node authorizer). */
  boolean authorizes() {
    return nodeAuthorizer || !rules.isEmpty();
  }

  boolean watchCacheEnabled(ResourceType t) {
    return !cacheDisabled.contains(t.resourceName());
  }
}
