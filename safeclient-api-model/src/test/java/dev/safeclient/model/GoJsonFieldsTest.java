package dev.safeclient.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoJsonFieldsTest {
  @Test
  void readsTheJsonTagsOfTheGoTypes() {
    assertThat(GoJsonFields.all()).hasSizeGreaterThan(4000);
    GoJsonFields.Field namespace = GoJsonFields.field("k8s.io.api.rbac.v1.Subject", "namespace");
    assertThat(namespace.jsonName()).isEqualTo("namespace");
    assertThat(namespace.omitsZeroScalar()).isTrue();
    assertThat(GoJsonFields.field("k8s.io.api.rbac.v1.Subject", "kind").omitsZeroScalar())
        .isFalse();
    // *int32 with omitempty: a zero is written, nil is left out.
    GoJsonFields.Field replicas =
        GoJsonFields.field("k8s.io.api.apps.v1.DeploymentSpec", "replicas");
    assertThat(replicas.pointer()).isTrue();
    assertThat(replicas.omitsZeroScalar()).isFalse();
    assertThat(replicas.nullWhenNil()).isFalse();
    // []PolicyRule without omitempty: nil is written as null.
    assertThat(GoJsonFields.field("k8s.io.api.rbac.v1.ClusterRole", "rules").nullWhenNil())
        .isTrue();
    GoJsonFields.Field handler = GoJsonFields.field("k8s.io.api.core.v1.Probe", "handler");
    assertThat(handler.inline()).isTrue();
    assertThat(handler.jsonName()).isNull();
  }

  @Test
  void aFieldWhoseTagChangedTakesTheNewestRelease() {
    // omitempty to 1.33, omitempty,omitzero from 1.34: a zero time is left out.
    GoJsonFields.Field created =
        GoJsonFields.field("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta", "creationTimestamp");
    assertThat(created.omitZero()).isTrue();
    assertThat(created.omitsZeroStruct()).isTrue();
    // In 1.36 only (master dropped it): never written as null for a server without it.
    GoJsonFields.Field gone =
        GoJsonFields.field("k8s.io.api.core.v1.NodeAllocatableResourceClaimStatus", "resources");
    assertThat(gone.map()).isTrue();
    assertThat(gone.inNewest()).isFalse();
    assertThat(gone.nullWhenNil()).isFalse();
  }
}
