package dev.safeclient.core.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GoOmitEmptyFieldsTest {
  @Test
  void everyEntryIsAScalarOfTheSchemaThatTheModelsDoNotRequire() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (String entry : GoOmitEmptyFields.all()) {
      String message = entry.substring(0, entry.lastIndexOf('.'));
      String field = entry.substring(entry.lastIndexOf('.') + 1);
      ProtoSchema.Message m = ProtoSchema.get().message(message);
      if (m == null || m.field(field) == null) {
        wrong.add(entry + ": not in the schema");
        continue;
      }
      if (m.field(field).type == ProtoSchema.Type.MESSAGE || m.field(field).repeated) {
        wrong.add(entry + ": not a scalar");
        continue;
      }
      Class<?> model = MessageResolver.modelFor(m);
      if (model == null) {
        continue; // inline Go structs (EphemeralContainerCommon) have no model of their own
      }
      @SuppressWarnings("unchecked")
      Set<String> required = (Set<String>) model.getField("openapiRequiredFields").get(null);
      if (required.contains(field)) {
        wrong.add(entry + ": required in " + model.getSimpleName() + ", so JSON writes its zero");
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(GoOmitEmptyFields.all()).hasSizeGreaterThan(150);
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
