package dev.safeclient.core.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldSelectorTest {
  @Test
  void parsesEqualityDoubleEqualsAndInequality() {
    FieldSelector s =
        FieldSelector.parse("spec.nodeName=n1, metadata.name==a,status.phase!=Running");

    assertThat(s.terms())
        .containsExactly(
            new FieldSelector.Term("spec.nodeName", true, "n1"),
            new FieldSelector.Term("metadata.name", true, "a"),
            new FieldSelector.Term("status.phase", false, "Running"));
    assertThat(s.hasEquality("spec.nodeName")).isTrue();
    assertThat(s.hasEquality("status.phase")).isFalse();
  }

  @Test
  void emptyAndMalformedSelectors() {
    assertThat(FieldSelector.parse(null).terms()).isEmpty();
    assertThat(FieldSelector.parse(" , ").terms()).isEmpty();
    assertThat(FieldSelector.parse("spec.nodeName").hasEquality("spec.nodeName")).isFalse();
  }
}
