package dev.safeclient.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The table of fields kept for objects client-java binds itself: bounded by what it holds, aged on
 * the client's clock, and keyed by the resource the object was read from.
 */
class ObjectKeyedFieldsTest {
  private static final String PODS = "v1/pods";
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  /** The HEAD fixture pod (fields client-java 27 lacks), with its own uid. */
  private static JsonObject pod(String uid) throws Exception {
    JsonObject pod =
        JsonParser.parseString(
                new String(KubeApiTestdata.headBytes("core.v1.Pod.json"), StandardCharsets.UTF_8))
            .getAsJsonObject();
    pod.getAsJsonObject("metadata").addProperty("uid", uid);
    return pod;
  }

  /** What client-java makes of the tree once the fields its model lacks are out. */
  private static V1Pod keepAndBind(ObjectKeyedFields table, JsonObject pod, String resource) {
    ObjectKeyedFields.Stripped stripped = table.keep(pod, V1Pod.class, resource);
    assertThat(stripped.findings.names).contains("V1PodSpec.evictionResponders");
    V1Pod bound = JSON.getGson().fromJson(pod, V1Pod.class);
    stripped.putBack();
    assertThat(pod.getAsJsonObject("spec").has("evictionResponders")).isTrue();
    return bound;
  }

  @Test
  void boundedByTheBytesItHolds() throws Exception {
    ObjectKeyedFields one = new ObjectKeyedFields(clock);
    keepAndBind(one, pod("uid-0"), PODS);
    long perPod = one.keptBytes();
    assertThat(perPod).isGreaterThan(1_000);

    ObjectKeyedFields table = new ObjectKeyedFields(clock, 10 * perPod, Duration.ofMinutes(30));
    int restored = 0;
    V1Pod[] pods = new V1Pod[50];
    for (int i = 0; i < pods.length; i++) {
      pods[i] = keepAndBind(table, pod("uid-" + i), PODS);
      assertThat(table.keptBytes()).isLessThanOrEqualTo(10 * perPod);
    }
    for (V1Pod p : pods) {
      if (table.restore(p, PODS) != ObjectKeyedFields.Restored.NONE) {
        restored++;
      }
    }
    assertThat(restored).isBetween(1, 10);
  }

  @Test
  void expiresOnTheInjectedClock() throws Exception {
    ObjectKeyedFields table = new ObjectKeyedFields(clock);
    V1Pod pod = keepAndBind(table, pod("uid-1"), PODS);

    clock.advance(ObjectKeyedFields.MAX_AGE.minusMinutes(1));
    assertThat(table.restore(pod, PODS)).isEqualTo(ObjectKeyedFields.Restored.WHOLE);
    assertThat(TolerantJson.unknownFields(pod.getSpec())).containsKey("evictionResponders");

    V1Pod again = keepAndBind(new ObjectKeyedFields(clock), pod("uid-1"), PODS);
    clock.advance(Duration.ofMinutes(2));
    assertThat(table.restore(again, PODS)).isEqualTo(ObjectKeyedFields.Restored.NONE);
  }

  @Test
  void aBodyWithoutTypeMetaMatchesOnlyTheResourceItWasReadFrom() throws Exception {
    ObjectKeyedFields table = new ObjectKeyedFields(clock);
    V1Pod pod = keepAndBind(table, pod("uid-2"), PODS);
    pod.setApiVersion(null);
    pod.setKind(null);

    assertThat(table.restore(pod, "other.example/v1/pods"))
        .isEqualTo(ObjectKeyedFields.Restored.NONE);
    assertThat(table.restore(pod, null)).isEqualTo(ObjectKeyedFields.Restored.NONE);
    assertThat(table.restore(pod, PODS)).isEqualTo(ObjectKeyedFields.Restored.WHOLE);
  }
}
