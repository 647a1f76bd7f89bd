package dev.safeclient.core.internal.protobuf;

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
  void customResourceDefinitionsStillHaveTheirMessages() {
    assertThat(MessageResolver.byTypeMeta("apiextensions.k8s.io/v1", "CustomResourceDefinition"))
        .isNotNull();
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

  /**
   * Kinds client-java-proto 27 had no message for are in the union of the releases' schemas, and so
   * are fields only some releases define (a field of a newer server, a version since removed).
   */
  @Test
  void theUnionOfEveryReleaseKnowsEveryBuiltInKind() {
    assertThat(MessageResolver.byTypeMeta("apiregistration.k8s.io/v1", "APIService")).isNotNull();
    assertThat(MessageResolver.byTypeMeta("apiregistration.k8s.io/v1", "APIServiceList"))
        .isNotNull();
    for (String v : new String[] {"v1alpha3", "v1beta1", "v1beta2"}) {
      assertThat(MessageResolver.byTypeMeta("resource.k8s.io/" + v, "ResourceClaim"))
          .as(v)
          .isNotNull();
    }
    assertThat(MessageResolver.byTypeMeta("networking.k8s.io/v1beta1", "IPAddress")).isNotNull();
    assertThat(MessageResolver.byTypeMeta("networking.k8s.io/v1beta1", "ServiceCIDR")).isNotNull();
    assertThat(MessageResolver.byTypeMeta("coordination.k8s.io/v1alpha2", "LeaseCandidate"))
        .isNotNull();
    assertThat(MessageResolver.byTypeMeta("certificates.k8s.io/v1beta1", "ClusterTrustBundle"))
        .isNotNull();
    assertThat(
            MessageResolver.byTypeMeta(
                "admissionregistration.k8s.io/v1alpha1", "MutatingAdmissionPolicy"))
        .isNotNull();
    assertThat(
            ProtoSchema.get()
                .message("k8s.io.api.certificates.v1beta1.PodCertificateRequestSpec")
                .field(12)
                .name)
        .isEqualTo("stubPKCS10Request");
  }
}
