package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Pod;
import java.io.File;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Both directions between client-java 27's models and the union schema of every release's {@code
 * .proto} files: every model of a built-in group has its message, and every message of a
 * group/version that has models maps to one, or is listed here as knowingly unmapped, with the
 * reason. A new client-java or a new release's schema that changes either side fails this test
 * until the list says why.
 */
class ModelMessageCoverageTest {
  private static final String NOT_SERVED =
      "a kind this group/version serves on some release 1.30..master but not in the OpenAPI"
          + " client-java 27 was generated from (removed before it, or added after it): no model,"
          + " so SC103 reads it as a JSON tree";
  private static final String NEWER_FIELD_TYPE =
      "the type of a field added after client-java 27's OpenAPI: its parent model lacks the"
          + " field, which is kept in its JSON form and written back";
  private static final String REMOVED_FIELD_TYPE =
      "the type of a field removed before client-java 27's OpenAPI (PodResourceClaim.source,"
          + " 1.30 only): kept in its JSON form as a field the model lacks";
  private static final String INLINE =
      "a Go struct embedded inline in its parent in JSON: its fields are the parent model's";
  private static final String STRING_SLICE =
      "a Go string-slice type: a JSON array, a wrapper message only in Protobuf";
  private static final String EMPTY_STRUCT =
      "an empty Go struct, or one the OpenAPI leaves untyped: the model's field is an Object";
  private static final String SCALAR =
      "rendered as a JSON scalar or raw JSON value (time, duration, FieldsV1, JSON schema unions),"
          + " not as a model";
  private static final String OPTIONS =
      "query parameters of a call or subresource, sent in the URL: no model";
  private static final String AUTOSCALING_V1 =
      "autoscaling/v1 carries the v2 metric types only for its annotation round-trip; its"
          + " OpenAPI, and so client-java, has none";
  private static final String NOT_AN_API_OBJECT =
      "not a served object in the OpenAPI: an internal registry or node-annotation type, a"
          + " webhook payload, an unstructured list, or a metadata-only view chosen by Accept";

  private static final Map<String, String> KNOWINGLY_UNMAPPED = new TreeMap<>();

  static {
    known(
        NOT_SERVED,
        "k8s.io.api.admissionregistration.v1alpha1",
        "AuditAnnotation ExpressionWarning TypeChecking ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingAdmissionPolicyBindingList ValidatingAdmissionPolicyBindingSpec ValidatingAdmissionPolicyList ValidatingAdmissionPolicySpec ValidatingAdmissionPolicyStatus Validation");
    known(
        NOT_SERVED,
        "k8s.io.api.admissionregistration.v1beta1",
        "AuditAnnotation ExpressionWarning MutatingWebhook MutatingWebhookConfiguration MutatingWebhookConfigurationList ServiceReference TypeChecking ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingAdmissionPolicyBindingList ValidatingAdmissionPolicyBindingSpec ValidatingAdmissionPolicyList ValidatingAdmissionPolicySpec ValidatingAdmissionPolicyStatus ValidatingWebhook ValidatingWebhookConfiguration ValidatingWebhookConfigurationList Validation WebhookClientConfig");
    known(
        NOT_SERVED,
        "k8s.io.api.certificates.v1",
        "ClusterTrustBundle ClusterTrustBundleList ClusterTrustBundleSpec PodCertificateRequest PodCertificateRequestList PodCertificateRequestSpec PodCertificateRequestStatus");
    known(
        NOT_SERVED,
        "k8s.io.api.certificates.v1alpha1",
        "PodCertificateRequest PodCertificateRequestList PodCertificateRequestSpec PodCertificateRequestStatus");
    known(
        NOT_SERVED,
        "k8s.io.api.certificates.v1beta1",
        "CertificateSigningRequest CertificateSigningRequestCondition CertificateSigningRequestList CertificateSigningRequestSpec CertificateSigningRequestStatus");
    known(NOT_SERVED, "k8s.io.api.coordination.v1beta1", "Lease LeaseList LeaseSpec");
    known(
        NOT_SERVED,
        "k8s.io.api.networking.v1beta1",
        "HTTPIngressPath HTTPIngressRuleValue Ingress IngressBackend IngressClass IngressClassList IngressClassParametersReference IngressClassSpec IngressList IngressLoadBalancerIngress IngressLoadBalancerStatus IngressPortStatus IngressRule IngressRuleValue IngressSpec IngressStatus IngressTLS");
    known(
        NOT_SERVED,
        "k8s.io.api.resource.v1",
        "DeviceTaintRule DeviceTaintRuleList DeviceTaintRuleSpec DeviceTaintRuleStatus DeviceTaintSelector");
    known(
        NOT_SERVED,
        "k8s.io.api.resource.v1alpha3",
        "AllocatedDeviceStatus AllocationResult BasicDevice CELDeviceSelector Counter CounterSet Device DeviceAllocationConfiguration DeviceAllocationResult DeviceAttribute DeviceClaim DeviceClaimConfiguration DeviceClass DeviceClassConfiguration DeviceClassList DeviceClassSpec DeviceConfiguration DeviceConstraint DeviceCounterConsumption DeviceRequest DeviceRequestAllocationResult DeviceSelector DeviceSubRequest DeviceToleration NetworkDeviceData OpaqueDeviceConfiguration PartitionTypeStatus PodSchedulingContext PodSchedulingContextList PodSchedulingContextSpec PodSchedulingContextStatus ResourceClaim ResourceClaimConsumerReference ResourceClaimList ResourceClaimSchedulingStatus ResourceClaimSpec ResourceClaimStatus ResourceClaimTemplate ResourceClaimTemplateList ResourceClaimTemplateSpec ResourcePool ResourceSlice ResourceSliceList ResourceSliceSpec ShareableCapacityStatus ShareableSummaryStatus");
    known(
        NOT_SERVED,
        "k8s.io.api.storage.v1beta1",
        "CSIDriver CSIDriverList CSIDriverSpec CSINode CSINodeDriver CSINodeList CSINodeSpec CSINodeStatus CSIStorageCapacity CSIStorageCapacityList StorageClass StorageClassList StorageHealth StorageHealthCondition TokenRequest VolumeAttachment VolumeAttachmentList VolumeAttachmentSource VolumeAttachmentSpec VolumeAttachmentStatus VolumeError VolumeNodeResources");
    known(NEWER_FIELD_TYPE, "k8s.io.api.batch.v1", "JobSchedulingConfiguration");
    known(
        NEWER_FIELD_TYPE,
        "k8s.io.api.core.v1",
        "EvictionResponder NodeAllocatableMappedResources NodeAllocatableOverheadResources NodePodPreemptionPolicy PodVolumeHealth VolumeHealthCondition VolumeHealthStatus WorkloadReference");
    known(
        NEWER_FIELD_TYPE,
        "k8s.io.api.resource.v1",
        "NodeAllocatableMapping NodeAllocatableOverhead NodeAllocatableResource");
    known(
        NEWER_FIELD_TYPE,
        "k8s.io.api.resource.v1beta1",
        "NodeAllocatableMapping NodeAllocatableOverhead NodeAllocatableResource");
    known(
        NEWER_FIELD_TYPE,
        "k8s.io.api.resource.v1beta2",
        "NodeAllocatableMapping NodeAllocatableOverhead NodeAllocatableResource");
    known(
        NEWER_FIELD_TYPE,
        "k8s.io.api.storage.v1",
        "CSINodeStatus StorageHealth StorageHealthCondition");
    known(REMOVED_FIELD_TYPE, "k8s.io.api.core.v1", "ClaimSource");
    known(INLINE, "k8s.io.api.admissionregistration.v1", "Rule");
    known(
        INLINE,
        "k8s.io.api.core.v1",
        "EphemeralContainerCommon PersistentVolumeSource ProbeHandler VolumeSource");
    known(INLINE, "k8s.io.api.networking.v1", "IngressRuleValue");
    known(INLINE, "k8s.io.api.resource.v1", "DeviceConfiguration");
    known(INLINE, "k8s.io.api.resource.v1beta1", "DeviceConfiguration");
    known(INLINE, "k8s.io.api.resource.v1beta2", "DeviceConfiguration");
    known(INLINE, "k8s.io.apimachinery.pkg.apis.meta.v1", "TypeMeta");
    known(STRING_SLICE, "k8s.io.api.authentication.v1", "AttestationValue ExtraValue");
    known(STRING_SLICE, "k8s.io.api.authorization.v1", "ExtraValue");
    known(STRING_SLICE, "k8s.io.api.certificates.v1", "ExtraValue");
    known(STRING_SLICE, "k8s.io.api.certificates.v1beta1", "ExtraValue");
    known(STRING_SLICE, "k8s.io.apimachinery.pkg.apis.meta.v1", "Verbs");
    known(EMPTY_STRUCT, "k8s.io.api.apiserverinternal.v1alpha1", "StorageVersionSpec");
    known(EMPTY_STRUCT, "k8s.io.api.scheduling.v1alpha2", "BasicSchedulingPolicy");
    known(
        EMPTY_STRUCT,
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1",
        "CustomResourceSubresourceStatus");
    known(EMPTY_STRUCT, "k8s.io.apimachinery.pkg.apis.meta.v1", "Patch");
    known(
        SCALAR,
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1",
        "JSON JSONSchemaPropsOrArray JSONSchemaPropsOrBool JSONSchemaPropsOrStringArray");
    known(
        SCALAR,
        "k8s.io.apimachinery.pkg.apis.meta.v1",
        "Duration FieldsV1 MicroTime Time Timestamp");
    known(
        OPTIONS,
        "k8s.io.api.core.v1",
        "NodeProxyOptions PodAttachOptions PodExecOptions PodLogOptions PodPortForwardOptions PodProxyOptions ServiceProxyOptions");
    known(
        OPTIONS,
        "k8s.io.apimachinery.pkg.apis.meta.v1",
        "ApplyOptions CreateOptions GetOptions ListOptions PatchOptions TableOptions UpdateOptions");
    known(
        AUTOSCALING_V1,
        "k8s.io.api.autoscaling.v1",
        "ContainerResourceMetricSource ContainerResourceMetricStatus ExternalMetricSource ExternalMetricStatus HorizontalPodAutoscalerCondition MetricSpec MetricStatus ObjectMetricSource ObjectMetricStatus PodsMetricSource PodsMetricStatus ResourceMetricSource ResourceMetricStatus");
    known(
        NOT_AN_API_OBJECT,
        "k8s.io.api.core.v1",
        "AvoidPods List PodSignature PodStatusResult Preconditions PreferAvoidPodsEntry RangeAllocation SerializedReference");
    known(
        NOT_AN_API_OBJECT,
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1",
        "ConversionRequest ConversionResponse ConversionReview");
    known(
        NOT_AN_API_OBJECT,
        "k8s.io.apimachinery.pkg.apis.meta.v1",
        "GroupKind GroupVersion GroupVersionResource List PartialObjectMetadata PartialObjectMetadataList RootPaths");
  }

  private static void known(String reason, String pkg, String names) {
    for (String n : names.split(" ")) {
      KNOWINGLY_UNMAPPED.put(pkg + "." + n, reason);
    }
  }

  /** Models that are no Kubernetes message at all. */
  private static final Map<String, String> MODELS_WITHOUT_MESSAGE =
      Map.of(
          "VersionInfo", "the /version answer, served in JSON only",
          "AbstractOpenApiSchema", "the generator's base class of oneOf schemas, not a model");

  static List<Class<?>> models() throws Exception {
    File jar = new File(V1Pod.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    try (ZipFile z = new ZipFile(jar)) {
      Enumeration<? extends ZipEntry> e = z.entries();
      while (e.hasMoreElements()) {
        String n = e.nextElement().getName();
        if (n.startsWith("io/kubernetes/client/openapi/models/")
            && n.endsWith(".class")
            && !n.contains("$")) {
          out.add(Class.forName(n.substring(0, n.length() - 6).replace('/', '.')));
        }
      }
    }
    return out;
  }

  @Test
  void everyModelHasItsMessageAndEveryMessageOfAModelledGroupVersionItsModel() throws Exception {
    List<Class<?>> models = models();
    assertThat(models).hasSizeGreaterThan(700); // 770 in client-java-api 27.0.0
    Map<String, String> modelsWithoutMessage = new TreeMap<>();
    java.util.Set<String> modelled = new java.util.TreeSet<>();
    for (Class<?> c : models) {
      if (!ModelBinding.isModel(c) && !c.getSimpleName().equals("AbstractOpenApiSchema")) {
        continue;
      }
      ProtoSchema.Message m = MessageResolver.forClass(c, "");
      if (m == null) {
        modelsWithoutMessage.put(c.getSimpleName(), "");
      } else {
        assertThat(MessageResolver.modelFor(m)).as(m.fullName).isEqualTo(c);
        modelled.add(m.fullName.substring(0, m.fullName.lastIndexOf('.')));
      }
    }
    assertThat(modelsWithoutMessage.keySet())
        .as("client-java 27 models with no message in the union schema")
        .containsExactlyInAnyOrderElementsOf(MODELS_WITHOUT_MESSAGE.keySet());

    Map<String, String> unmapped = new TreeMap<>();
    for (ProtoSchema.Message m : ProtoSchema.get().messages()) {
      String pkg = m.fullName.substring(0, m.fullName.lastIndexOf('.'));
      if (!m.mapEntry && modelled.contains(pkg) && MessageResolver.modelFor(m) == null) {
        unmapped.put(m.fullName, KNOWINGLY_UNMAPPED.getOrDefault(m.fullName, "(no reason listed)"));
      }
    }
    assertThat(unmapped)
        .as("messages of modelled group/versions without a model; list each with its reason")
        .containsExactlyInAnyOrderEntriesOf(KNOWINGLY_UNMAPPED);
  }
}
