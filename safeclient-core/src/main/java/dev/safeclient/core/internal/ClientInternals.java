package dev.safeclient.core.internal;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.budget.StoredCounts;
import dev.safeclient.core.internal.chain.SafetyChain;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.server.ResourceActivity;
import dev.safeclient.core.internal.warning.WarningChannel;
import io.kubernetes.client.openapi.ApiClient;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one handle safeclient's own modules (the informer) reach a {@link SafeClient}'s parts
 * through. Not an API: it lives in an {@code internal} package, and may change in any release.
 *
 * @param libraryApiClient the view for calls that chose their query on purpose and own their
 *     backoff: lint rules do not rewrite them and the generic retries skip them
 * @param protobuf the Protobuf decoder (SC103), for watch streams decoded outside client-java
 * @param tolerantJson the tolerant JSON decoding (SC203/SC204) of the client's views
 * @param storedCounts the objects stored per resource, for the list-cost budget; informers report
 *     the size of their collection here
 * @param resourceActivity what the client saw of each resource; informers report each change, so
 *     that SC101 knows which resources are busy
 * @param warnings the client's warning channel
 * @param chain the client's safety chain, in order
 */
public record ClientInternals(
    ApiClient libraryApiClient,
    ProtobufCodec protobuf,
    TolerantJson tolerantJson,
    StoredCounts storedCounts,
    ResourceActivity resourceActivity,
    WarningChannel warnings,
    SafetyChain chain) {
  private static volatile Function<SafeClient, ClientInternals> access;

  /** The parts of {@code client}. */
  public static ClientInternals of(SafeClient client) {
    Objects.requireNonNull(client, "client");
    // A SafeClient exists, so its class ran its static initialiser, which granted the access.
    return access.apply(client);
  }

  /**
   * Called once, by {@link SafeClient}'s static initialiser: the handle reads a private field, so
   * that {@code SafeClient} need not expose its parts on its public API.
   */
  public static void grantAccess(Function<SafeClient, ClientInternals> reader) {
    // Only SafeClient may grant it: a grant from anywhere else would make SafeClient's own one
    // throw, and the class unusable in that JVM.
    Class<?> caller =
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
    if (caller != SafeClient.class) {
      throw new IllegalCallerException("only SafeClient grants access to its parts");
    }
    if (access != null) {
      throw new IllegalStateException("access already granted");
    }
    access = Objects.requireNonNull(reader);
  }
}
