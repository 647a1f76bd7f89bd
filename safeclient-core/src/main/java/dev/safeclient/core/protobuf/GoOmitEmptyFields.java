package dev.safeclient.core.protobuf;

import java.util.HashSet;
import java.util.Set;

/**
 * Scalar fields that Go declares as non-pointer with {@code omitempty}. The Go Protobuf marshaller
 * writes such a field even when it is zero ({@code ""}, {@code 0}, {@code false}), while JSON omits
 * it, so the JSON path leaves the model field null. For these fields, and only these, the decoder
 * treats the zero value as absent.
 *
 * <p>Every other scalar keeps a zero it receives: a pointer field ({@code spec.replicas: 0}, {@code
 * storageClassName: ""}) means something different from an absent one, and a required field ({@code
 * containerStatuses[].ready: false}) is written by JSON too. So a field missing from this table
 * costs at most an {@code ""} where JSON gives null; a wrong entry would lose a meaningful zero.
 * Entries come from the Go types of k8s.io/api and apimachinery; {@code GoOmitEmptyFieldsTest}
 * checks each names a scalar field of the schema that the models do not mark required. A zero
 * {@code metav1.Time} is handled apart: it arrives as an empty message, and is always null.
 */
final class GoOmitEmptyFields {
  private static final Set<String> FIELDS = new HashSet<>();

  static {
    add(
        "meta.v1.ObjectMeta",
        "name generateName namespace selfLink uid resourceVersion generation");
    add("meta.v1.ListMeta", "selfLink resourceVersion continue");
    add("meta.v1.ManagedFieldsEntry", "manager operation apiVersion fieldsType subresource");
    add("meta.v1.Status", "status message reason code");
    add("meta.v1.StatusDetails", "name group kind uid retryAfterSeconds");
    add("meta.v1.StatusCause", "reason message field");
    add("meta.v1.Condition", "observedGeneration");
    add("core.v1.ObjectReference", "kind namespace name uid apiVersion resourceVersion fieldPath");
    add("core.v1.LocalObjectReference", "name");
    add("core.v1.EventSource", "component host");
    add("core.v1.Event", "reason message count type action");
    add(
        "core.v1.PodSpec",
        "restartPolicy dnsPolicy serviceAccountName serviceAccount nodeName hostNetwork hostPID"
            + " hostIPC hostname subdomain schedulerName priorityClassName");
    add(
        "core.v1.PodStatus",
        "phase message reason nominatedNodeName hostIP podIP qosClass observedGeneration resize");
    add("core.v1.PodCondition", "reason message observedGeneration");
    add(
        "core.v1.Container",
        "image workingDir terminationMessagePath terminationMessagePolicy imagePullPolicy stdin"
            + " stdinOnce tty");
    add(
        "core.v1.EphemeralContainerCommon",
        "image workingDir terminationMessagePath terminationMessagePolicy imagePullPolicy stdin"
            + " stdinOnce tty");
    add("core.v1.EphemeralContainer", "targetContainerName");
    add("core.v1.ContainerPort", "name hostPort protocol hostIP");
    add("core.v1.EnvVar", "value");
    add("core.v1.EnvFromSource", "prefix");
    add(
        "core.v1.Probe",
        "initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold");
    add("core.v1.HTTPGetAction", "path host scheme");
    add("core.v1.TCPSocketAction", "host");
    add("core.v1.VolumeMount", "readOnly subPath subPathExpr");
    add("core.v1.ContainerStatus", "containerID");
    add("core.v1.ContainerStateWaiting", "reason message");
    add("core.v1.ContainerStateTerminated", "signal reason message containerID");
    add("core.v1.SecretVolumeSource", "secretName");
    add("core.v1.EmptyDirVolumeSource", "medium");
    add("core.v1.PersistentVolumeClaimVolumeSource", "readOnly");
    add("core.v1.ServiceAccountTokenProjection", "audience");
    add("core.v1.ObjectFieldSelector", "apiVersion");
    add("core.v1.ResourceFieldSelector", "containerName");
    add("core.v1.Toleration", "key operator value effect");
    add("core.v1.Taint", "value");
    add("core.v1.NodeSpec", "podCIDR providerID unschedulable externalID");
    add("core.v1.NodeStatus", "phase");
    add("core.v1.NodeCondition", "reason message");
    add("core.v1.ContainerImage", "sizeBytes");
    add("core.v1.NamespaceStatus", "phase");
    add("core.v1.NamespaceCondition", "reason message");
    add("core.v1.Secret", "type");
    add(
        "core.v1.ServiceSpec",
        "clusterIP type sessionAffinity loadBalancerIP externalName externalTrafficPolicy"
            + " healthCheckNodePort publishNotReadyAddresses");
    add("core.v1.ServicePort", "name protocol nodePort");
    add("core.v1.EndpointAddress", "hostname");
    add("core.v1.EndpointPort", "name protocol");
    add("core.v1.PersistentVolumeClaimStatus", "phase");
    add("core.v1.PersistentVolumeClaimSpec", "volumeName");
    add("core.v1.PersistentVolumeSpec", "persistentVolumeReclaimPolicy");
    add("core.v1.PersistentVolumeStatus", "phase message reason");
    add(
        "core.v1.ReplicationControllerStatus",
        "fullyLabeledReplicas readyReplicas availableReplicas observedGeneration");
    add("core.v1.ReplicationControllerSpec", "minReadySeconds");
    add("core.v1.ReplicationControllerCondition", "reason message");
    add("apps.v1.DeploymentSpec", "minReadySeconds paused");
    add(
        "apps.v1.DeploymentStatus",
        "observedGeneration replicas updatedReplicas readyReplicas availableReplicas"
            + " unavailableReplicas");
    add("apps.v1.DeploymentCondition", "reason message");
    add("apps.v1.DeploymentStrategy", "type");
    add("apps.v1.ReplicaSetSpec", "minReadySeconds");
    add(
        "apps.v1.ReplicaSetStatus",
        "fullyLabeledReplicas readyReplicas availableReplicas observedGeneration");
    add("apps.v1.ReplicaSetCondition", "reason message");
    add("apps.v1.StatefulSetSpec", "serviceName podManagementPolicy minReadySeconds");
    add(
        "apps.v1.StatefulSetStatus",
        "observedGeneration readyReplicas currentReplicas updatedReplicas currentRevision"
            + " updateRevision availableReplicas");
    add("apps.v1.StatefulSetCondition", "reason message");
    add("apps.v1.StatefulSetUpdateStrategy", "type");
    add("apps.v1.DaemonSetSpec", "minReadySeconds");
    add(
        "apps.v1.DaemonSetStatus",
        "observedGeneration updatedNumberScheduled numberAvailable numberUnavailable");
    add("apps.v1.DaemonSetCondition", "reason message");
    add("apps.v1.DaemonSetUpdateStrategy", "type");
    add("batch.v1.JobStatus", "active succeeded failed completedIndexes");
    add("batch.v1.JobCondition", "reason message");
    add("batch.v1.CronJobSpec", "concurrencyPolicy");
  }

  private GoOmitEmptyFields() {}

  private static void add(String shortMessage, String fields) {
    String full =
        shortMessage.startsWith("meta.")
            ? "k8s.io.apimachinery.pkg.apis." + shortMessage
            : "k8s.io.api." + shortMessage;
    for (String f : fields.split(" ")) {
      if (!f.isEmpty()) {
        FIELDS.add(full + "." + f);
      }
    }
  }

  static boolean contains(String message, String field) {
    return FIELDS.contains(message + "." + field);
  }

  /** The whole table, for its test. */
  static Set<String> all() {
    return Set.copyOf(FIELDS);
  }
}
