package dev.safeclient.model.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each release serves from its own storage, from its vendored generated.proto files. */
class BuiltInApisTest {
  private static boolean serves(String version, String group, String groupVersion) {
    return BuiltInApis.servesFromOwnStorage(ServerVersion.of(version), group, groupVersion);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36"})
  void everyReleaseServesTheStableGroupsAndNoneOfTheOthers(String v) {
    for (String[] gv :
        new String[][] {
          {"", "v1"},
          {"apps", "v1"},
          {"batch", "v1"},
          {"autoscaling", "v2"},
          {"policy", "v1"},
          {"rbac.authorization.k8s.io", "v1"},
          {"flowcontrol.apiserver.k8s.io", "v1"},
          {"networking.k8s.io", "v1"},
          {"storage.k8s.io", "v1"},
          {"coordination.k8s.io", "v1"},
          {"discovery.k8s.io", "v1"},
          {"events.k8s.io", "v1"},
          {"certificates.k8s.io", "v1"},
          {"admissionregistration.k8s.io", "v1"},
          {"scheduling.k8s.io", "v1"},
          {"node.k8s.io", "v1"},
          {"apiregistration.k8s.io", "v1"},
          {"apiextensions.k8s.io", "v1"}
        }) {
      assertThat(serves(v, gv[0], gv[1])).as("%s %s/%s", v, gv[0], gv[1]).isTrue();
    }
    // Aggregated (metrics-server), a CRD, a removed group, webhook payloads, discovery documents.
    assertThat(serves(v, "metrics.k8s.io", "v1beta1")).isFalse();
    assertThat(serves(v, "example.com", "v1")).isFalse();
    assertThat(serves(v, "extensions", "v1beta1")).isFalse();
    assertThat(serves(v, "admission.k8s.io", "v1")).isFalse();
    assertThat(serves(v, "imagepolicy.k8s.io", "v1alpha1")).isFalse();
    assertThat(serves(v, "apidiscovery.k8s.io", "v2")).isFalse();
    // Alpha versions are off unless a flag turns them on.
    assertThat(serves(v, "internal.apiserver.k8s.io", "v1alpha1")).isFalse();
    assertThat(BuiltInApis.servesGroup(ServerVersion.of(v), "")).isTrue();
    assertThat(BuiltInApis.servesGroup(ServerVersion.of(v), "metrics.k8s.io")).isFalse();
  }

  @Test
  void dynamicResourceAllocationAndStorageMigrationFollowTheirReleases() {
    // resource.k8s.io: alpha only in 1.30 and 1.31, v1beta1 from 1.32, v1beta2 from 1.33, v1
    // from 1.34 (the versions each release's k8s.io/api defines).
    assertThat(serves("1.30", "resource.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.30", "resource.k8s.io", "v1beta2")).isFalse();
    assertThat(serves("1.31", "resource.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.32", "resource.k8s.io", "v1beta1")).isTrue();
    assertThat(serves("1.32", "resource.k8s.io", "v1beta2")).isFalse();
    assertThat(serves("1.33", "resource.k8s.io", "v1beta2")).isTrue();
    assertThat(serves("1.33", "resource.k8s.io", "v1")).isFalse();
    assertThat(serves("1.34", "resource.k8s.io", "v1")).isTrue();
    assertThat(BuiltInApis.servesGroup(ServerVersion.of("1.30"), "resource.k8s.io")).isFalse();
    assertThat(BuiltInApis.servesGroup(ServerVersion.of("1.33"), "resource.k8s.io")).isTrue();
    assertThat(serves("1.34", "storagemigration.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.35", "storagemigration.k8s.io", "v1beta1")).isTrue();
  }

  @Test
  void groupVersionsAreNamedAsInApiVersion() {
    assertThat(BuiltInApis.groupVersions(30))
        .contains("v1", "apps/v1", "rbac.authorization.k8s.io/v1")
        .noneMatch(gv -> gv.startsWith("k8s.io") || gv.contains("alpha"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36"})
  void betaVersionsTheServerRemovedAreNotServedThoughTheTypesRemain(String v) {
    for (String[] gv :
        new String[][] {
          {"batch", "v1beta1"},
          {"policy", "v1beta1"},
          {"apps", "v1beta1"},
          {"apps", "v1beta2"},
          {"autoscaling", "v2beta1"},
          {"autoscaling", "v2beta2"},
          {"discovery.k8s.io", "v1beta1"},
          {"events.k8s.io", "v1beta1"},
          {"node.k8s.io", "v1beta1"},
          {"rbac.authorization.k8s.io", "v1beta1"},
          {"scheduling.k8s.io", "v1beta1"},
          {"flowcontrol.apiserver.k8s.io", "v1beta1"},
          {"flowcontrol.apiserver.k8s.io", "v1beta2"}
        }) {
      assertThat(serves(v, gv[0], gv[1])).as("%s %s/%s", v, gv[0], gv[1]).isFalse();
    }
  }

  @Test
  void removedVersionsServedAgainWithNewTypesFollowTheirReleases() {
    // flowcontrol v1beta3: served until 1.32 removed it.
    assertThat(serves("1.31", "flowcontrol.apiserver.k8s.io", "v1beta3")).isTrue();
    assertThat(serves("1.32", "flowcontrol.apiserver.k8s.io", "v1beta3")).isFalse();
    // networking.k8s.io/v1beta1: Ingress removed in 1.22, ServiceCIDR and IPAddress from 1.31.
    assertThat(serves("1.30", "networking.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.31", "networking.k8s.io", "v1beta1")).isTrue();
    // storage.k8s.io/v1beta1: CSIStorageCapacity removed in 1.27, VolumeAttributesClass from 1.31.
    assertThat(serves("1.30", "storage.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.31", "storage.k8s.io", "v1beta1")).isTrue();
    // certificates and coordination v1beta1: ClusterTrustBundle and LeaseCandidate from 1.33.
    assertThat(serves("1.32", "certificates.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.33", "certificates.k8s.io", "v1beta1")).isTrue();
    assertThat(serves("1.32", "coordination.k8s.io", "v1beta1")).isFalse();
    assertThat(serves("1.33", "coordination.k8s.io", "v1beta1")).isTrue();
    // ValidatingAdmissionPolicy's v1beta1 (1.28) is still there.
    assertThat(serves("1.30", "admissionregistration.k8s.io", "v1beta1")).isTrue();
  }

  @Test
  void theApiServersOwnGroupsFollowTheServerAndAnyReleaseWhenItIsUnknown() {
    // resource.k8s.io is alpha only on 1.30: the apiserver's own where a flag turns it on.
    assertThat(BuiltInApis.isApiServersOwnGroup(ServerVersion.of("1.30"), "resource.k8s.io"))
        .isTrue();
    assertThat(BuiltInApis.isApiServersOwnGroup(ServerVersion.of("1.30"), "extensions")).isFalse();
    assertThat(BuiltInApis.isApiServersOwnGroup(ServerVersion.of("1.34"), "resource.k8s.io"))
        .isTrue();
    assertThat(BuiltInApis.isApiServersOwnGroup(null, "resource.k8s.io")).isTrue();
    assertThat(BuiltInApis.isApiServersOwnGroup(null, "batch")).isTrue();
    assertThat(BuiltInApis.isApiServersOwnGroup(null, null)).isTrue();
    assertThat(BuiltInApis.isApiServersOwnGroup(null, "metrics.k8s.io")).isFalse();
    assertThat(BuiltInApis.isApiServersOwnGroup(ServerVersion.of("1.36"), "example.com")).isFalse();
  }
}
