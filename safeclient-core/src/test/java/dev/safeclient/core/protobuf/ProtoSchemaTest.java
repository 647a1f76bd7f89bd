package dev.safeclient.core.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtoSchemaTest {
  @Test
  void theCommittedSchemaIsWhatTheProtoDescriptorsSay() throws Exception {
    String committed;
    try (InputStream in = ProtoSchema.class.getResourceAsStream("kubernetes-proto.schema")) {
      committed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // If this fails after a client-java upgrade, regenerate: see ProtoSchemaGenerator.
    assertThat(committed).isEqualTo(ProtoSchemaGenerator.generate());
  }

  @Test
  void knownFieldsHaveTheirKubernetesNumbers() {
    ProtoSchema s = ProtoSchema.get();
    assertThat(s.message("k8s.io.api.core.v1.Pod").field("spec").number).isEqualTo(2);
    assertThat(s.message(ProtoSchema.OBJECT_META).field("managedFields").number).isEqualTo(17);
    assertThat(s.message(ProtoSchema.LIST_META).field("continue").number).isEqualTo(3);
    assertThat(s.message(ProtoSchema.TIME).field("seconds").number).isEqualTo(1);
    assertThat(s.message("k8s.io.api.core.v1.Secret.DataEntry").mapEntry).isTrue();
  }
}
