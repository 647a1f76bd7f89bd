package dev.safeclient.informer.internal;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Request;

/** The reflector's list and watch requests, built by the user's client. */
final class ReflectorRequests {
  private ReflectorRequests() {}

  /** Selectors first; callers add the rest. Sorted on the wire, as client-go encodes queries. */
  static Map<String, String> selectors(ResourceEndpoint endpoint) {
    Map<String, String> q = new HashMap<>();
    if (endpoint.labelSelector() != null) {
      q.put("labelSelector", endpoint.labelSelector());
    }
    if (endpoint.fieldSelector() != null) {
      q.put("fieldSelector", endpoint.fieldSelector());
    }
    return q;
  }

  static List<Pair> pairs(Map<String, String> q) {
    List<Pair> pairs = new ArrayList<>();
    q.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> pairs.add(new Pair(e.getKey(), e.getValue())));
    return pairs;
  }

  static Request request(ApiClient api, ResourceEndpoint endpoint, List<Pair> query, String accept)
      throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", accept);
    try {
      // Built by the client, so the base path, authentication and User-Agent stay the user's.
      return api.buildRequest(
          null,
          endpoint.path(),
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
      throw new IOException("could not build the request: " + e.getMessage(), e);
    }
  }

  static String groupVersion(ResourceEndpoint endpoint) {
    return endpoint.group().isEmpty()
        ? endpoint.version()
        : endpoint.group() + "/" + endpoint.version();
  }
}
