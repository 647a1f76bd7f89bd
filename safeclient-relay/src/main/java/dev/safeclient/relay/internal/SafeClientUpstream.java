package dev.safeclient.relay.internal;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.RawJsonException;
import dev.safeclient.informer.RawList;
import dev.safeclient.informer.RawObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The relay's own reads of the API server. The probe goes through the {@link SafeClient}'s
 * consistent view, with its budgets, retries and credentials. The consistent list's bytes are kept
 * and served again, so it must come in the JSON it asked for: the SafeClient's views negotiate a
 * large list into Protobuf, and the public API has no way to keep a caller's encoding (the
 * informer's raw feed tags its requests with a core-internal marker), so the list goes through the
 * client the SafeClient wraps, with the same credentials and connection pool.
 */
public final class SafeClientUpstream implements Upstream {
  private final ApiClient client;
  private final ApiClient rawClient;

  public SafeClientUpstream(SafeClient safe) {
    this.client = safe.consistentApiClient();
    this.rawClient = safe.base();
  }

  @Override
  public long currentResourceVersion(ResourceSpec r) throws IOException {
    List<Pair> q = selectors(r);
    q.add(new Pair("limit", "1"));
    return ResourceVersions.parse(list(get(client, r, q)).resourceVersion());
  }

  @Override
  public ListSnapshot consistentList(ResourceSpec r) throws IOException {
    RawList body = list(get(rawClient, r, selectors(r)));
    List<CachedObject> items = new ArrayList<>(body.items().size());
    for (RawObject item : body.items()) {
      items.add(CachedObject.of(item, r.kind(), r.apiVersion(), r.nodeIndexed()));
    }
    return new ListSnapshot(ResourceVersions.parse(body.resourceVersion()), items);
  }

  private static RawList list(byte[] bytes) throws IOException {
    try {
      return RawList.read(new ByteArrayInputStream(bytes));
    } catch (RawJsonException | IllegalArgumentException e) {
      throw new IOException("upstream answer not a list: " + e.getMessage(), e);
    }
  }

  private static List<Pair> selectors(ResourceSpec r) {
    List<Pair> q = new ArrayList<>();
    if (r.labelSelector() != null && !r.labelSelector().isEmpty()) {
      q.add(new Pair("labelSelector", r.labelSelector()));
    }
    if (r.fieldSelector() != null && !r.fieldSelector().isEmpty()) {
      q.add(new Pair("fieldSelector", r.fieldSelector()));
    }
    return q;
  }

  private static byte[] get(ApiClient client, ResourceSpec r, List<Pair> query) throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    Call call;
    try {
      call =
          client.buildCall(
              null,
              r.path(),
              "GET",
              query,
              new ArrayList<>(),
              null,
              headers,
              new HashMap<>(),
              new HashMap<>(),
              new String[] {"BearerToken"},
              null);
    } catch (ApiException e) {
      throw new IOException("could not build the upstream request", e);
    }
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      byte[] bytes = body == null ? new byte[0] : body.bytes();
      if (!response.isSuccessful()) {
        throw new IOException("upstream answered " + response.code() + " to " + r.path());
      }
      return bytes;
    }
  }
}
