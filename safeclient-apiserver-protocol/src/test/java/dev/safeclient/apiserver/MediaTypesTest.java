package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Accept negotiation of JSON, YAML and Protobuf, and of conversions not served. */
class MediaTypesTest {
  @Test
  void protobufIsPreferredWhenListedFirstOrAlone() {
    assertThat(MediaTypes.prefersProtobuf("application/vnd.kubernetes.protobuf, application/json"))
        .isTrue();
    assertThat(MediaTypes.prefersProtobuf("application/vnd.kubernetes.protobuf")).isTrue();
    assertThat(MediaTypes.prefersProtobuf("application/json, application/vnd.kubernetes.protobuf"))
        .isFalse();
    assertThat(MediaTypes.prefersProtobuf("application/json")).isFalse();
    assertThat(MediaTypes.prefersProtobuf(null)).isFalse();
  }

  @Test
  void aConversionAloneIsNotAcceptableButAFallbackIs() {
    assertThat(MediaTypes.acceptsPlainEncoding(null)).isTrue();
    assertThat(MediaTypes.acceptsPlainEncoding("*/*")).isTrue();
    assertThat(MediaTypes.acceptsPlainEncoding("application/json;as=Table;v=v1;g=meta.k8s.io"))
        .isFalse();
    // kubectl get: the Table first, then plain JSON.
    assertThat(
            MediaTypes.acceptsPlainEncoding(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"))
        .isTrue();
    assertThat(MediaTypes.acceptsPlainEncoding("text/html")).isFalse();
    Status s = Status.notAcceptable();
    assertThat(s.code()).isEqualTo(406);
    assertThat(s.reason()).isEqualTo("NotAcceptable");
  }
}
