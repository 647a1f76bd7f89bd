package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.bookmark;
import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.ObjectInterner;
import dev.safeclient.informer.internal.ObjectTransform;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The interning step of the default transform is lossless: what handlers and the cache get still
 * equals what the server sent, minus managedFields (the one documented drop), while repeated values
 * are one instance across objects.
 */
class ObjectInternerTest {
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  static String realisticPod(String name, String uid, String rv) throws IOException {
    try (InputStream in = ObjectInternerTest.class.getResourceAsStream("/realistic-pod.json")) {
      String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return s.replace("\"svc-7-5f3d0d4c-x1\"", "\"" + name + "\"")
          .replaceFirst("\"uid\": \"[^\"]+\"", "\"uid\": \"" + uid + "\"")
          .replaceFirst("\"resourceVersion\": \"[^\"]+\"", "\"resourceVersion\": \"" + rv + "\"")
          .replace('\n', ' ');
    }
  }

  private V1Pod decode(String s) {
    return JSON.deserialize(s, V1Pod.class);
  }

  private static V1Pod withoutManagedFields(V1Pod p) {
    p.getMetadata().setManagedFields(null);
    return p;
  }

  @Test
  void anInternedPodEqualsTheDecodedOneAndSharesItsRepeatedValues() throws Exception {
    String a = realisticPod("a", "uid-a", "11");
    String b = realisticPod("b", "uid-b", "12");
    ObjectTransform transform = new ObjectTransform(true, null);
    V1Pod pa = transform.apply(decode(a));
    V1Pod pb = transform.apply(decode(b));

    assertThat(decode(a).getMetadata().getManagedFields()).hasSize(2);
    assertThat(pa).isEqualTo(withoutManagedFields(decode(a)));
    assertThat(pb).isEqualTo(withoutManagedFields(decode(b)));
    assertThat(pa.toString()).isEqualTo(withoutManagedFields(decode(a)).toString());
    assertThat(JSON.serialize(pa)).isEqualTo(JSON.serialize(withoutManagedFields(decode(a))));

    // Shared across objects: one instance, not merely equal values.
    assertThat(pa.getMetadata().getNamespace()).isSameAs(pb.getMetadata().getNamespace());
    Map.Entry<String, String> la = pa.getMetadata().getLabels().entrySet().iterator().next();
    Map.Entry<String, String> lb = pb.getMetadata().getLabels().entrySet().iterator().next();
    assertThat(la.getKey()).isSameAs(lb.getKey());
    assertThat(la.getValue()).isSameAs(lb.getValue());
    var ca = pa.getSpec().getContainers().get(0);
    var cb = pb.getSpec().getContainers().get(0);
    assertThat(ca.getImage()).isSameAs(cb.getImage());
    assertThat(ca.getEnv().get(0).getName()).isSameAs(cb.getEnv().get(0).getName());
    assertThat(ca.getResources().getLimits().get("memory"))
        .isSameAs(cb.getResources().getLimits().get("memory"));
    assertThat(pa.getStatus().getConditions().get(0).getType())
        .isSameAs(pb.getStatus().getConditions().get(0).getType());
    assertThat(ca.getPorts().get(0).getContainerPort())
        .isSameAs(cb.getPorts().get(0).getContainerPort());
    // Unique per object: left alone (a table entry would cost more than it shares).
    V1Pod pa2 = transform.apply(decode(a));
    assertThat(pa2.getMetadata().getUid()).isNotSameAs(pa.getMetadata().getUid());
    assertThat(pa2.getMetadata().getName()).isNotSameAs(pa.getMetadata().getName());
    assertThat(pa2.getMetadata().getLabels()).isNotSameAs(pa.getMetadata().getLabels());
    // Lists and maps stay the object's own and mutable.
    pa2.getMetadata().getLabels().put("extra", "x");
    pa2.getSpec().getContainers().add(ca);
    assertThat(pa.getMetadata().getLabels()).doesNotContainKey("extra");
    assertThat(pa.getSpec().getContainers()).hasSize(2);
  }

  @Test
  void quantitiesEqualInNumberButWrittenDifferentlyAreNotMerged() {
    ObjectInterner interner = new ObjectInterner();
    V1Pod one =
        decode("{\"spec\":{\"containers\":[{\"name\":\"c\"}],\"overhead\":{\"memory\":\"1Gi\"}}}");
    V1Pod other =
        decode(
            "{\"spec\":{\"containers\":[{\"name\":\"c\"}],\"overhead\":{\"memory\":\"1073741824\"}}}");
    interner.intern(one);
    interner.intern(other);
    Quantity a = one.getSpec().getOverhead().get("memory");
    Quantity b = other.getSpec().getOverhead().get("memory");
    assertThat(a).isEqualTo(b); // client-java's equals compares the number only
    assertThat(a.toSuffixedString()).isEqualTo("1Gi");
    assertThat(b.toSuffixedString()).isEqualTo("1073741824");
  }

  @Test
  void immutableCollectionsFromAUserTransformAreLeftAsTheyAre() throws Exception {
    V1Pod pod = decode(realisticPod("a", "uid-a", "11"));
    pod.getMetadata().setFinalizers(List.of("example.com/keep"));
    pod.getMetadata().setLabels(Map.of("app", "web"));
    V1Pod expected = decode(realisticPod("a", "uid-a", "11"));
    expected.getMetadata().setFinalizers(List.of("example.com/keep"));
    expected.getMetadata().setLabels(Map.of("app", "web"));
    assertThat(new ObjectInterner().intern(pod)).isEqualTo(expected);
  }

  @Test
  void handlersAndTheCacheGetWhatTheServerSentMinusManagedFields() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base).userAgent("informer-test/1").clock(clock).nodeName(null).build();
    factory =
        new SafeInformerFactory(
            safe,
            clock,
            new Random(7),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
    String a = realisticPod("a", "uid-a", "11");
    String b = realisticPod("b", "uid-b", "12");
    String c = realisticPod("c", "uid-c", "13");
    String a2 =
        realisticPod("a", "uid-a", "14")
            .replace("\"phase\": \"Running\"", "\"phase\": \"Succeeded\"");
    String list =
        "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"12\"},"
            + "\"items\":["
            + a
            + ","
            + b
            + "]}";
    api.then(json(200, list))
        .then(r -> api.hold(lines(event("ADDED", c), event("MODIFIED", a2), bookmark("15"))));
    SharedIndexInformer<V1Pod> informer =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().namespace("team-7").startJitter(Duration.ZERO).build());
    List<V1Pod> seen = new ArrayList<>();
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod obj) {
            synchronized (seen) {
              seen.add(obj);
            }
          }

          @Override
          public void onUpdate(V1Pod oldObj, V1Pod newObj) {
            synchronized (seen) {
              seen.add(newObj);
            }
          }

          @Override
          public void onDelete(V1Pod obj, boolean deletedFinalStateUnknown) {}
        });
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await(
        "four events",
        () -> {
          synchronized (seen) {
            return seen.size() == 4;
          }
        });
    synchronized (seen) {
      assertThat(seen)
          .containsExactly(
              withoutManagedFields(decode(a)),
              withoutManagedFields(decode(b)),
              withoutManagedFields(decode(c)),
              withoutManagedFields(decode(a2)));
      assertThat(seen.get(2).getMetadata().getNamespace())
          .isSameAs(seen.get(0).getMetadata().getNamespace());
    }
    assertThat(informer.getIndexer().getByKey("team-7/a"))
        .isEqualTo(withoutManagedFields(decode(a2)));
  }
}
