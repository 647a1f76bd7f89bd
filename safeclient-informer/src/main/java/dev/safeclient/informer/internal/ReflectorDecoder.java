package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.watch.WatchEventReader;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.util.List;
import okhttp3.Response;

/**
 * What a reflector's objects are and how they are asked for and read: the one seam between the
 * reflector's loop and what it feeds. An informer reads client-java models ({@link TypedDecoder});
 * a raw feed keeps the bytes the server sent.
 *
 * @param <O> one object as the reflector hands it to its store
 */
public interface ReflectorDecoder<O> {
  /** One page of a list, decoded. */
  record ListPage<O>(List<O> items, String resourceVersion, String continueToken) {}

  /** Names the objects in error messages ({@code V1Pod}); never any object's content. */
  String objectName();

  /** The {@code Accept} header of a list page. */
  String listAccept();

  /**
   * Whether the client may ask a list page in another encoding than {@link #listAccept()} (SC103's
   * Protobuf). False where the caller keeps the bytes as the server encoded them.
   */
  boolean listEncodingNegotiable();

  /** The {@code Accept} header of a watch on {@code groupVersion} ({@code v1}, {@code apps/v1}). */
  String watchAccept(String groupVersion);

  /**
   * Decodes one successful list page. The page's items are not yet {@linkplain #prepare prepared}.
   *
   * @return the page, or null for an empty body
   * @throws ApiException or a RuntimeException where the body does not decode; the listing wraps it
   *     as a decode failure (not a failure of the server's)
   */
  ListPage<O> decodeList(Response response) throws IOException, ApiException;

  /** A reader for one successful watch response; it owns the response and closes it. */
  WatchEventReader<O> openWatch(Response response) throws IOException;

  /** Applied to every ADDED, MODIFIED, DELETED and list object before the store sees it. */
  O prepare(O object);

  /** The object's {@code metadata.resourceVersion}, or null. */
  String resourceVersion(O object);

  /** The cache key, {@code namespace/name} or {@code name}, as client-go's MetaNamespaceKeyFunc. */
  String key(O object);

  /** Whether a BOOKMARK's object marks the end of a streaming list's initial state. */
  boolean isInitialEventsEnd(O object);
}
