package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.testdata.ProtobufObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The transcoder against the Kubernetes serializers' own bytes: in its lossless mode, each testdata
 * fixture's JSON gives a message that decodes to the same object as the fixture's .pb, or is
 * refused; and what it refuses is what Protobuf would drop or change.
 */
class ProtobufTranscoderTest {
  static final ProtobufTranscoder T = ProtobufTranscoder.vendored();

  @Test
  void eachLosslessFixtureDecodesToTheSameObjectAsItsPb() throws Exception {
    List<String> equal = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    try (Stream<Path> files = Files.list(KubeApiTestdata.head())) {
      for (Path pb : files.filter(p -> p.toString().endsWith(".pb")).sorted().toList()) {
        String base = pb.getFileName().toString().replaceAll("\\.pb$", "");
        Path json = pb.resolveSibling(base + ".json");
        if (!Files.exists(json)) {
          continue;
        }
        ProtobufEnvelope theirs = ProtobufEnvelope.unwrap(Files.readAllBytes(pb));
        Descriptor d = T.descriptor(theirs.apiVersion(), theirs.kind()).orElse(null);
        if (d == null) {
          continue;
        }
        JsonObject obj = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        byte[] ours;
        try {
          ours = T.losslessMessage(d, obj);
        } catch (ProtobufTranscoder.NotLossless e) {
          refused.add(base + " (" + e.getMessage() + ")");
          continue;
        }
        Message a = ProtobufObjects.normalize(DynamicMessage.parseFrom(d, theirs.raw()));
        Message b = ProtobufObjects.normalize(DynamicMessage.parseFrom(d, ours));
        (a.equals(b) ? equal : mismatched).add(base);
      }
    }
    System.out.println("lossless fixtures: " + equal.size() + ", refused: " + refused);
    assertThat(mismatched).isEmpty();
    assertThat(equal)
        .hasSizeGreaterThan(100)
        .contains(
            "core.v1.Pod",
            "core.v1.Node",
            "core.v1.ConfigMap",
            "core.v1.Service",
            "apps.v1.Deployment",
            "core.v1.Status",
            "policy.v1.PodDisruptionBudget");
  }

  static JsonObject pod(String extraMetadata, String extraSpec) {
    return JsonParser.parseString(
            "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\""
                + extraMetadata
                + "},\"spec\":{\"nodeName\":\"n\""
                + extraSpec
                + "}}")
        .getAsJsonObject();
  }

  @Test
  void aMemberTheSchemaLacksIsRefusedInLosslessModeAndSkippedOtherwise() throws Exception {
    Descriptor d = T.descriptor("v1", "Pod").orElseThrow();
    byte[] plain = T.losslessMessage(d, pod("", ""));
    assertThat(T.message(d, pod("", ",\"futureField\":{\"a\":1}"))).isEqualTo(plain);
    assertThatThrownBy(() -> T.losslessMessage(d, pod("", ",\"futureField\":{\"a\":1}")))
        .isInstanceOf(ProtobufTranscoder.NotLossless.class)
        .hasMessage("k8s.io.api.core.v1.PodSpec has no field 'futureField'");
    // apiVersion and kind belong in the envelope at the top only.
    assertThatThrownBy(() -> T.losslessMessage(d, pod(",\"kind\":\"x\"", "")))
        .isInstanceOf(ProtobufTranscoder.NotLossless.class);
  }

  @Test
  void aValueOfTheWrongKindIsRefused() {
    Descriptor d = T.descriptor("v1", "Pod").orElseThrow();
    for (String spec :
        List.of(
            ",\"priority\":\"7\"", // a string for an int32
            ",\"priority\":1.5", // a fraction for an int32
            ",\"priority\":4294967296", // out of int32's range
            ",\"hostNetwork\":\"true\"", // a string for a bool
            ",\"nodeSelector\":[\"a\"]", // a list for a map
            ",\"tolerations\":{}", // an object for a list
            ",\"tolerations\":[null]", // a null item
            ",\"nodeSelector\":{\"a\":null}")) { // a null map value
      assertThatThrownBy(() -> T.losslessMessage(d, pod("", spec)))
          .as(spec)
          .isInstanceOf(ProtobufTranscoder.NotLossless.class)
          .message()
          .doesNotContain("4294967296");
    }
    assertThatThrownBy(() -> T.losslessMessage(d, pod(",\"creationTimestamp\":\"yesterday\"", "")))
        .isInstanceOf(ProtobufTranscoder.NotLossless.class)
        .hasMessageNotContaining("yesterday");
  }

  @Test
  void aListAndAStatusAreEnvelopedWithTheirKinds() throws Exception {
    Descriptor d = T.descriptor("v1", "Pod").orElseThrow();
    byte[] item = T.losslessMessage(d, pod("", ""));
    ProtobufEnvelope list =
        ProtobufEnvelope.unwrap(T.list("v1", "PodList", 42, "tok", null, List.of(item, item)));
    assertThat(list.kind()).isEqualTo("PodList");
    Message m = DynamicMessage.parseFrom(T.descriptor("v1", "PodList").orElseThrow(), list.raw());
    assertThat(m.toString()).contains("resourceVersion: \"42\"").contains("continue: \"tok\"");
    assertThat(m.getRepeatedFieldCount(m.getDescriptorForType().findFieldByName("items")))
        .isEqualTo(2);
    ProtobufEnvelope status = ProtobufEnvelope.unwrap(T.status(Status.notAcceptable()));
    assertThat(status.kind()).isEqualTo("Status");
    assertThat(
            DynamicMessage.parseFrom(T.descriptor("v1", "Status").orElseThrow(), status.raw())
                .toString())
        .contains("code: 406")
        .contains("reason: \"NotAcceptable\"");
  }
}
