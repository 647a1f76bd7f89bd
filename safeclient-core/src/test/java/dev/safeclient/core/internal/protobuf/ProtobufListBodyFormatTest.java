package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.ProtobufDecodeException;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.List;
import okhttp3.MediaType;
import org.junit.jupiter.api.Test;

class ProtobufListBodyFormatTest {
  private final ProtobufListBodyFormat format = new ProtobufListBodyFormat();

  private static byte[] pod(String name) {
    return ProtoWriter.message().message(1, ProtoWriter.message().string(1, name)).build();
  }

  private static byte[] page(String rv, String cont, long remaining, byte[]... items) {
    ProtoWriter meta = ProtoWriter.message().string(1, "").string(2, rv).string(3, cont);
    if (remaining >= 0) {
      meta.varint(4, remaining);
    }
    ProtoWriter list = ProtoWriter.message().message(1, meta);
    for (byte[] i : items) {
      list.bytes(2, i);
    }
    return ProtoWriter.envelope("v1", "PodList", list.build());
  }

  @Test
  void readsContinueAndResourceVersion() throws Exception {
    byte[] p = page("100", "tok", 3, pod("a"));
    assertThat(format.accepts(MediaType.get("application/vnd.kubernetes.protobuf"))).isTrue();
    assertThat(format.accepts(MediaType.get("application/json"))).isFalse();
    assertThat(format.continueToken(p)).isEqualTo("tok");
    assertThat(format.resourceVersion(p)).isEqualTo("100");
    assertThat(format.continueToken(page("100", "", -1))).isEmpty();
  }

  @Test
  void mergesPagesAsOneUnpagedList() throws Exception {
    byte[] merged =
        format.merge(
            List.of(
                page("100", "tok1", 2, pod("a"), pod("b")),
                page("100", "tok2", 1, pod("c")),
                page("100", "", -1, pod("d"))));

    V1PodList list = new ProtobufCodec(null).decode(merged, V1PodList.class);
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b", "c", "d");
    assertThat(list.getMetadata().getResourceVersion()).isEqualTo("100");
    assertThat(list.getMetadata().getContinue()).isNull();
    assertThat(list.getMetadata().getRemainingItemCount()).isNull();
    assertThat(list.getKind()).isEqualTo("PodList");
    assertThat(format.continueToken(merged)).isNull();
  }

  @Test
  void aBrokenPageIsATypedError() {
    assertThatThrownBy(() -> format.merge(List.of(page("1", "t", 1, pod("a")), new byte[] {1, 2})))
        .isInstanceOf(ProtobufDecodeException.class);
    assertThatThrownBy(() -> format.continueToken(new byte[0]))
        .isInstanceOf(ProtobufDecodeException.class);
  }
}
