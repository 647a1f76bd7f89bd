package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.watch.WatchEventReader;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;

/**
 * An informer's objects: client-java models, lists decoded by the client ({@code handleResponse}),
 * watch events by the {@link WatchStreamFormat}, each object passed through the informer's {@link
 * ObjectTransform} before it is cached.
 *
 * @param type the item type, for decoding watch events
 * @param listType the list type, for decoding lists
 * @param api the client that decodes list bodies
 * @param format how watch events are asked for and read (JSON lines, or Protobuf)
 * @param transform applied to every object before it is stored (managedFields, interning)
 */
public record TypedDecoder<T extends KubernetesObject, L extends KubernetesListObject>(
    Class<T> type,
    Class<L> listType,
    ApiClient api,
    WatchStreamFormat format,
    ObjectTransform transform)
    implements ReflectorDecoder<T> {

  @Override
  public String objectName() {
    return type.getSimpleName();
  }

  @Override
  public String listAccept() {
    return "application/json";
  }

  @Override
  public boolean listEncodingNegotiable() {
    return true;
  }

  @Override
  public String watchAccept(String groupVersion) {
    return format.accept(type, groupVersion);
  }

  @Override
  public ListPage<T> decodeList(Response response) throws ApiException {
    L list = api.handleResponse(response, listType);
    if (list == null) {
      return null;
    }
    List<T> items = new ArrayList<>();
    for (KubernetesObject item : list.getItems()) {
      items.add(type.cast(item));
    }
    return list.getMetadata() == null
        ? new ListPage<>(items, null, null)
        : new ListPage<>(
            items, list.getMetadata().getResourceVersion(), list.getMetadata().getContinue());
  }

  @Override
  public WatchEventReader<T> openWatch(Response response) throws IOException {
    return format.open(response, type);
  }

  @Override
  public T prepare(T object) {
    return transform.apply(object);
  }

  @Override
  public String resourceVersion(T o) {
    return o == null || o.getMetadata() == null ? null : o.getMetadata().getResourceVersion();
  }

  @Override
  public String key(T object) {
    return Caches.metaNamespaceKeyFunc(object);
  }

  @Override
  public boolean isInitialEventsEnd(T o) {
    return o != null
        && o.getMetadata() != null
        && o.getMetadata().getAnnotations() != null
        && "true".equals(o.getMetadata().getAnnotations().get(Reflector.INITIAL_EVENTS_END));
  }
}
