package dev.safeclient.core.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.RequestClassifier;
import java.util.OptionalLong;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

class ListCostEstimateTest {
  static KubeRequest get(String pathAndQuery) {
    Request r = new Request.Builder().url("https://k8s:6443" + pathAndQuery).build();
    return new RequestClassifier("https://k8s:6443").classify(r, CallOrigin.USER);
  }

  static int seats(String pathAndQuery, Long stored) {
    return ListCostEstimate.seats(
        get(pathAndQuery), stored == null ? OptionalLong.empty() : OptionalLong.of(stored));
  }

  @Test
  void followsTheApiServersEstimate() {
    // Unselected etcd list with limit: 2 × min(limit, stored).
    assertThat(seats("/api/v1/pods?limit=500", 5_000L)).isEqualTo(10);
    assertThat(seats("/api/v1/pods?limit=100", 5_000L)).isEqualTo(2);
    assertThat(seats("/api/v1/pods?limit=500", 120L)).isEqualTo(3);
    // Unpaged consistent list: 2 × stored.
    assertThat(seats("/api/v1/pods", 30L)).isEqualTo(1);
    // Selected: stored + limit, however few objects match.
    assertThat(seats("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=500", 150_000L))
        .isEqualTo(10);
    assertThat(seats("/api/v1/pods?labelSelector=a%3Db&limit=50", 250L)).isEqualTo(3);
    // From the watch cache: stored.
    assertThat(seats("/api/v1/pods?resourceVersion=0", 250L)).isEqualTo(3);
    assertThat(seats("/api/v1/pods?resourceVersion=123&resourceVersionMatch=NotOlderThan", 950L))
        .isEqualTo(10);
    // Never below one seat, never above ten.
    assertThat(seats("/api/v1/pods?resourceVersion=0", 0L)).isEqualTo(1);
    assertThat(seats("/api/v1/pods?resourceVersion=0", 10_000_000L)).isEqualTo(10);
  }

  @Test
  void assumesTheMaximumWhenTheCountIsUnknown() {
    assertThat(seats("/api/v1/pods", null)).isEqualTo(10);
    assertThat(seats("/api/v1/pods?resourceVersion=0", null)).isEqualTo(10);
    // ... except where the limit bounds it whatever the count: SC101's probe is one seat.
    assertThat(seats("/api/v1/pods?limit=1", null)).isEqualTo(1);
  }

  @Test
  void watchesFromTheCurrentStateAreChargedLikeLists() {
    assertThat(ListCostEstimate.applies(get("/api/v1/pods?watch=true"))).isTrue();
    assertThat(ListCostEstimate.applies(get("/api/v1/pods?watch=true&resourceVersion=0"))).isTrue();
    assertThat(ListCostEstimate.applies(get("/api/v1/pods?watch=true&resourceVersion=77")))
        .isFalse();
    assertThat(ListCostEstimate.applies(get("/api/v1/namespaces/d/pods/p"))).isFalse();
  }
}
