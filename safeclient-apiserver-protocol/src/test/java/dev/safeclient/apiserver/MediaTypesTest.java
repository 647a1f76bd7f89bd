package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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

  static final List<String> BUILT_IN = List.of(MediaTypes.JSON, MediaTypes.PROTOBUF);
  static final List<String> JSON_ONLY = List.of(MediaTypes.JSON);

  @Test
  void negotiationPicksTheFirstServedTypeTheFirstClauseAdmits() {
    // No Accept, or any type: the server's first, JSON.
    assertThat(MediaTypes.negotiate(null, BUILT_IN)).isEqualTo(MediaTypes.JSON);
    assertThat(MediaTypes.negotiate("", BUILT_IN)).isEqualTo(MediaTypes.JSON);
    assertThat(MediaTypes.negotiate("*/*", BUILT_IN)).isEqualTo(MediaTypes.JSON);
    assertThat(MediaTypes.negotiate("application/*", BUILT_IN)).isEqualTo(MediaTypes.JSON);
    // client-go's and the safe client's Protobuf Accept.
    assertThat(
            MediaTypes.negotiate("application/vnd.kubernetes.protobuf, application/json", BUILT_IN))
        .isEqualTo(MediaTypes.PROTOBUF);
    assertThat(
            MediaTypes.negotiate("application/json, application/vnd.kubernetes.protobuf", BUILT_IN))
        .isEqualTo(MediaTypes.JSON);
    // q first, then specific before wildcard; q=0 is not excluded by goautoneg.
    assertThat(
            MediaTypes.negotiate(
                "application/json;q=0.5, application/vnd.kubernetes.protobuf", BUILT_IN))
        .isEqualTo(MediaTypes.PROTOBUF);
    assertThat(MediaTypes.negotiate("*/*, application/vnd.kubernetes.protobuf", BUILT_IN))
        .isEqualTo(MediaTypes.PROTOBUF);
    assertThat(MediaTypes.negotiate("application/json;q=0", BUILT_IN)).isEqualTo(MediaTypes.JSON);
    // A watch's stream type is accepted on any request; another stream is not.
    assertThat(MediaTypes.negotiate("application/vnd.kubernetes.protobuf;stream=watch", BUILT_IN))
        .isEqualTo(MediaTypes.PROTOBUF);
    assertThat(MediaTypes.negotiate("application/json;stream=other", BUILT_IN)).isNull();
    // A type without Protobuf: JSON when admitted, else nothing (406).
    assertThat(
            MediaTypes.negotiate(
                "application/vnd.kubernetes.protobuf, application/json", JSON_ONLY))
        .isEqualTo(MediaTypes.JSON);
    assertThat(MediaTypes.negotiate("application/vnd.kubernetes.protobuf", JSON_ONLY)).isNull();
    // Conversions are not served; kubectl's fallback after them is.
    assertThat(MediaTypes.negotiate("application/json;as=Table;v=v1;g=meta.k8s.io", BUILT_IN))
        .isNull();
    assertThat(
            MediaTypes.negotiate(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", BUILT_IN))
        .isEqualTo(MediaTypes.JSON);
    assertThat(MediaTypes.negotiate("text/html", BUILT_IN)).isNull();
    // A clause without a subtype is dropped; only spaces are trimmed.
    assertThat(MediaTypes.negotiate("application", BUILT_IN)).isNull();
    assertThat(MediaTypes.negotiate(" ", BUILT_IN)).isNull();
  }

  @Test
  void clausesSortAsGoautonegsInsertionSort() {
    List<MediaTypes.AcceptClause> c =
        MediaTypes.parseAccept("*/*;q=0.9, text/*, application/json;q=0.5;pretty=1 ,x/y;a=b=c");
    assertThat(c)
        .extracting(a -> a.type() + "/" + a.subType())
        // Less is no strict order: application/json (q=0.5) passes text/* (q=1), being specific.
        .containsExactly("x/y", "application/json", "text/*", "*/*");
    assertThat(c.get(1).q()).isEqualTo(0.5);
    assertThat(c.get(1).params()).containsEntry("pretty", "1");
    assertThat(c.get(0).params()).isEmpty();
  }
}
