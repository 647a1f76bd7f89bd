package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.ProtobufDecodeException;
import io.kubernetes.client.openapi.models.V1JSONSchemaProps;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each malformed input is a {@link ProtobufDecodeException} that says what is wrong. */
class BadInputTest {
  private final ProtobufCodec codec = new ProtobufCodec(null);

  private static byte[] pod() throws Exception {
    return Fixtures.read("core.v1.Pod.pb");
  }

  @Test
  void emptyBody() {
    assertThatThrownBy(() -> codec.decode(new byte[0], V1Pod.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("empty body");
  }

  @Test
  void wrongMagic() throws Exception {
    byte[] b = pod();
    b[2] = 'X';
    assertThatThrownBy(() -> codec.decode(b, V1Pod.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("magic");
    assertThatThrownBy(() -> codec.decode("{\"kind\":\"Pod\"}".getBytes(), V1Pod.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("magic");
  }

  @Test
  void truncatedMessageAtEveryLength() throws Exception {
    byte[] full = pod();
    // Every cut up to the end of the object: never a half-filled Pod handed on. (The last 4
    // bytes are the empty contentEncoding/contentType after it.)
    for (int len = 4; len < full.length - 4; len += 7) {
      byte[] cut = Arrays.copyOf(full, len);
      assertThatThrownBy(() -> codec.decode(cut, V1Pod.class))
          .as("cut at %d", len)
          .isInstanceOf(ProtobufDecodeException.class);
    }
  }

  @Test
  void garbageVarint() {
    // raw = field 1 (ObjectMeta), with a length varint of eleven continuation bytes
    byte[] raw = {
      0x0a,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff,
      (byte) 0xff
    };
    assertThatThrownBy(() -> codec.decode(ProtoWriter.envelope("v1", "Pod", raw), V1Pod.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("malformed");
  }

  @Test
  void wrongWireTypeForAKnownField() {
    // ObjectMeta.name (1) written as a varint
    byte[] raw = ProtoWriter.message().message(1, ProtoWriter.message().varint(1, 5)).build();
    assertThatThrownBy(() -> codec.decode(ProtoWriter.envelope("v1", "Pod", raw), V1Pod.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("wire type");
  }

  @Test
  void kindOfAnotherTypeIsRejectedButAnEmptyKindIsNot() throws Exception {
    assertThatThrownBy(() -> codec.decode(pod(), V1Node.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("expected kind Node, got Pod");
    assertThatThrownBy(() -> codec.decode(pod(), V1PodList.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("expected kind PodList");
    byte[] noKind = ProtoWriter.envelope("", "", ProtoWriter.rawOf(pod()));
    V1Pod p = codec.decode(noKind, V1Pod.class);
    assertThat(p.getMetadata().getName()).isEqualTo("nameValue");
  }

  @Test
  void absurdNestingIsBoundedNotAStackOverflow() throws Exception {
    // JSONSchemaProps.not (28) is itself a JSONSchemaProps: nest it 2,000 deep.
    byte[] inner = ProtoWriter.message().string(1, "leaf").build();
    for (int i = 0; i < 2_000; i++) {
      inner = ProtoWriter.message().bytes(28, inner).build();
    }
    byte[] body = ProtoWriter.envelope("", "", inner);
    assertThatThrownBy(() -> codec.decode(body, V1JSONSchemaProps.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("nested deeper");
    // and 50 deep is fine
    byte[] ok = ProtoWriter.message().string(1, "leaf").build();
    for (int i = 0; i < 50; i++) {
      ok = ProtoWriter.message().bytes(28, ok).build();
    }
    byte[] okBody = ProtoWriter.envelope("", "", ok);
    assertThat(codec.<V1JSONSchemaProps>decode(okBody, V1JSONSchemaProps.class).getNot())
        .isNotNull();
  }

  @Test
  void unknownFieldsAreSkippedAndCounted() throws Exception {
    byte[] raw =
        ProtoWriter.message()
            .message(1, ProtoWriter.message().string(1, "p").string(999, "from the future"))
            .build();
    V1Pod p = codec.decode(ProtoWriter.envelope("v1", "Pod", raw), V1Pod.class);
    assertThat(p.getMetadata().getName()).isEqualTo("p");
    assertThat(codec.unknownFieldCounts())
        .containsEntry("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta#999", 1L);
  }

  @Test
  void anUnknownFieldWarnsOnceAsSc203() throws Exception {
    java.util.List<dev.safeclient.core.SafetyWarning> seen = new java.util.ArrayList<>();
    ProtobufCodec warning =
        new ProtobufCodec(
            new dev.safeclient.core.internal.warning.WarningChannel(
                seen::add, dev.safeclient.core.metrics.SafeClientMetrics.NOOP));
    byte[] raw =
        ProtoWriter.message()
            .message(1, ProtoWriter.message().string(1, "p").string(999, "from the future"))
            .build();
    byte[] body = ProtoWriter.envelope("v1", "Pod", raw);
    warning.decode(body, V1Pod.class);
    warning.decode(body, V1Pod.class);
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).ruleId()).isEqualTo("SC203");
    assertThat(seen.get(0).message()).contains("ObjectMeta#999");
    assertThat(warning.unknownFieldCounts())
        .containsEntry("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta#999", 2L);
  }
}
