package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoOmitEmptyFieldsTest {
  @Test
  void everyEntryIsAScalarOfTheSchema() {
    List<String> wrong = new ArrayList<>();
    for (String entry : GoOmitEmptyFields.all()) {
      String message = entry.substring(0, entry.lastIndexOf('.'));
      String field = entry.substring(entry.lastIndexOf('.') + 1);
      ProtoSchema.Message m = ProtoSchema.get().message(message);
      if (m == null || m.field(field) == null) {
        wrong.add(entry + ": not in the schema");
      } else if (m.field(field).type == ProtoSchema.Type.MESSAGE || m.field(field).repeated) {
        wrong.add(entry + ": not a scalar");
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(GoOmitEmptyFields.all()).hasSizeGreaterThan(800);
  }

  /**
   * Zeros a real API server's JSON leaves out (omitempty, non-pointer), and zeros it writes (no
   * omitempty), as read from kube-apiserver 1.30, 1.34 and 1.36. The OpenAPI "required" list is no
   * guide: it follows the {@code +optional} marker, not the json tag ({@code TokenReviewSpec.token}
   * is required there but {@code omitempty} in Go).
   */
  @Test
  void zerosAsTheApiServerWritesThem() {
    assertThat(GoOmitEmptyFields.all())
        .contains(
            "k8s.io.api.rbac.v1.Subject.namespace",
            "k8s.io.api.rbac.v1.Subject.apiGroup",
            "k8s.io.api.flowcontrol.v1.ResourcePolicyRule.clusterScope",
            "k8s.io.api.scheduling.v1.PriorityClass.globalDefault",
            "k8s.io.api.networking.v1.ParentReference.group",
            "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIServiceSpec.group",
            "k8s.io.api.authentication.v1.TokenReviewSpec.token")
        .doesNotContain(
            "k8s.io.api.rbac.v1.Subject.kind",
            "k8s.io.api.rbac.v1.Subject.name",
            "k8s.io.api.core.v1.ContainerStatus.name",
            "k8s.io.api.core.v1.PodCondition.status");
  }

  @Test
  void pointerFieldsWhoseZeroMeansSomethingAreNotInTheTable() {
    for (String pointer :
        List.of(
            "k8s.io.api.apps.v1.DeploymentSpec.replicas",
            "k8s.io.api.apps.v1.StatefulSetSpec.replicas",
            "k8s.io.api.core.v1.PersistentVolumeClaimSpec.storageClassName",
            "k8s.io.api.core.v1.PodSpec.automountServiceAccountToken",
            "k8s.io.api.core.v1.PodSpec.terminationGracePeriodSeconds",
            "k8s.io.api.core.v1.ContainerStatus.ready",
            "k8s.io.api.core.v1.ContainerStatus.restartCount",
            "k8s.io.api.apps.v1.DaemonSetStatus.numberReady")) {
      assertThat(GoOmitEmptyFields.all()).doesNotContain(pointer);
    }
  }
}
