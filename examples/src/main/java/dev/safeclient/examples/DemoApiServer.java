package dev.safeclient.examples;

import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * Just enough of an API server for the demo: pod and node lists with a resourceVersion, honouring
 * {@code limit}/{@code continue}, and watches that end at once.
 */
final class DemoApiServer extends Dispatcher {
  private static final String RESOURCE_VERSION = "48211";
  private static final int PODS = 7;
  private static final int NODES = 5;

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    HttpUrl url = request.getUrl();
    if ("true".equals(url.queryParameter("watch"))) {
      return json("");
    }
    String path = url.encodedPath();
    if (path.equals("/version")) {
      // 1.30: consistent lists are read from etcd there, so SC101 and SC102 have work to do.
      return json("{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\"}");
    }
    if (path.endsWith("/pods")) {
      return page(url, "Pod", PODS, i -> pod(i));
    }
    if (path.equals("/api/v1/nodes")) {
      return page(url, "Node", NODES, i -> "{\"metadata\":{\"name\":\"node-" + i + "\"}}");
    }
    return new MockResponse.Builder().code(404).body("{\"kind\":\"Status\",\"code\":404}").build();
  }

  private static String pod(int i) {
    return "{\"metadata\":{\"name\":\"web-"
        + i
        + "\",\"namespace\":\"default\"},\"spec\":{\"nodeName\":\"node-"
        + (i % NODES)
        + "\",\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}";
  }

  /** One page of {@code total} objects, as {@code limit} and {@code continue} ask. */
  private static MockResponse page(
      HttpUrl url, String kind, int total, java.util.function.IntFunction<String> item) {
    int from =
        url.queryParameter("continue") == null
            ? 0
            : Integer.parseInt(url.queryParameter("continue"));
    int limit =
        url.queryParameter("limit") == null ? total : Integer.parseInt(url.queryParameter("limit"));
    int to = Math.min(total, from + limit);
    List<String> items = new ArrayList<>();
    for (int i = from; i < to; i++) {
      items.add(item.apply(i));
    }
    String meta = "\"resourceVersion\":\"" + RESOURCE_VERSION + "\"";
    if (to < total) {
      meta += ",\"continue\":\"" + to + "\",\"remainingItemCount\":" + (total - to);
    }
    return json(
        "{\"kind\":\""
            + kind
            + "List\",\"apiVersion\":\"v1\",\"metadata\":{"
            + meta
            + "},\"items\":["
            + String.join(",", items)
            + "]}");
  }

  private static MockResponse json(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }
}
