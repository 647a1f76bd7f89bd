package dev.safeclient.core.internal.server;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;

/**
 * Reads what SC101's decision needs from each decoded LIST answer, for {@link ResourceActivity}:
 * whether a {@code resourceVersion=0} list with a limit came back paginated (no watch cache), and
 * the items' resourceVersions of a complete list (how often the resource changes). Works on the
 * decoded list, typed or a custom object's map, so it costs no second parse.
 */
public final class ListAnswerWitness {
  private final ResourceActivity activity;

  public ListAnswerWitness(ResourceActivity activity) {
    this.activity = activity;
  }

  /**
   * @param k the request as sent (its URL is the one the answer is for)
   * @param body the decoded answer
   */
  public void answered(KubeRequest k, HttpUrl url, Object body) {
    if (k == null || k.verb() != Verb.LIST || body == null) {
      return;
    }
    String gr = k.groupResource();
    String cont;
    String listRv;
    List<?> items;
    if (body instanceof KubernetesListObject list) {
      cont = list.getMetadata() == null ? null : list.getMetadata().getContinue();
      listRv = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
      items = list.getItems();
    } else if (body instanceof Map<?, ?> map && map.get("items") instanceof List<?> l) {
      Map<?, ?> m = map.get("metadata") instanceof Map<?, ?> meta ? meta : Map.of();
      cont = string(m.get("continue"));
      listRv = string(m.get("resourceVersion"));
      items = l;
    } else {
      return;
    }
    boolean answerPaged = cont != null && !cont.isEmpty();
    boolean firstPage = isEmpty(url.queryParameter("continue"));
    if (answerPaged
        && firstPage
        && "0".equals(url.queryParameter("resourceVersion"))
        && positive(url.queryParameter("limit"))) {
      activity.watchCacheDisabled(gr);
    }
    if (answerPaged || !firstPage || "Exact".equals(url.queryParameter("resourceVersionMatch"))) {
      return;
    }
    long[] rvs = new long[items == null ? 0 : items.size()];
    long newest = 0;
    for (int i = 0; i < rvs.length; i++) {
      rvs[i] = resourceVersion(items.get(i));
      if (rvs[i] < 0) {
        // Not etcd's revisions: the answer says nothing of how often the resource changes.
        return;
      }
      newest = Math.max(newest, rvs[i]);
    }
    String scope =
        url.encodedPath()
            + "?"
            + nullToEmpty(url.queryParameter("labelSelector"))
            + "&"
            + nullToEmpty(url.queryParameter("fieldSelector"));
    // Only a consistent read's own resourceVersion is etcd's revision at the time it was read.
    long answerRv = isEmpty(url.queryParameter("resourceVersion")) ? parse(listRv) : 0;
    activity.listed(gr, scope, answerRv, newest, rvs);
  }

  /**
   * An item's resourceVersion: 0 where it has none, -1 where it is not an integer, which etcd's
   * revisions always are.
   */
  private static long resourceVersion(Object item) {
    String rv = null;
    if (item instanceof KubernetesObject o && o.getMetadata() != null) {
      rv = o.getMetadata().getResourceVersion();
    } else if (item instanceof Map<?, ?> m && m.get("metadata") instanceof Map<?, ?> meta) {
      rv = string(meta.get("resourceVersion"));
    }
    if (rv == null || rv.isEmpty()) {
      return 0;
    }
    long parsed = parse(rv);
    return parsed > 0 ? parsed : -1;
  }

  private static long parse(String rv) {
    if (rv == null) {
      return 0;
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean positive(String limit) {
    try {
      return limit != null && Long.parseLong(limit) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String string(Object o) {
    return o == null ? null : o.toString();
  }
}
