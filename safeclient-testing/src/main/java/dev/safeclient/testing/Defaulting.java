package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a kube-apiserver fills into a built-in object it decodes from a create, update or patch,
 * before validation: the scheme's defaulting functions ({@code SetDefaults_*} in k8s.io/kubernetes
 * pkg/apis/GROUP/VERSION/defaults.go, run by the generated {@code zz_generated.defaults.go}, which
 * also applies k8s.io/api's {@code +default} markers), the parts of the create strategies that
 * every client sees ({@code PrepareForCreate}: a pod's status, a Job's generated selector). The
 * zero values Go's {@code encoding/json} writes for fields without {@code omitempty} are written
 * where the object is stored ({@link StoredForm}). Defaults that changed between releases follow
 * the simulated version.
 *
 * <p>Not simulated, because admission plugins or controllers set them, not the scheme: the
 * ServiceAccount plugin's {@code serviceAccountName} and token volume, DefaultTolerationSeconds'
 * tolerations, Priority's {@code priority}/{@code preemptionPolicy}, StorageObjectInUseProtection's
 * finalizers, DefaultStorageClass, and the Service registry's allocation of {@code clusterIP(s)},
 * {@code ipFamilies}, {@code ipFamilyPolicy} and node ports. Nor are resource quantities
 * canonicalized ("1000m" stays as sent; a real server answers "1").
 */
final class Defaulting {
  private Defaulting() {}

  /**
   * Defaults {@code o}, a {@code t} decoded from a write on a server of minor version {@code
   * minor}. {@code created} says the object is being created, with its name and uid already set.
   */
  static void apply(ResourceType t, JsonObject o, int minor, boolean created) {
    if (!builtInGroup(t.group())) {
      return; // a custom resource: its structural schema's defaults are not simulated
    }
    String kind = t.group().isEmpty() ? t.kind() : t.kind() + "." + t.group();
    switch (kind) {
      case "Pod" -> {
        PodDefaults.pod(o);
        if (created && !(o.get("status") instanceof JsonObject)) {
          // podStrategy.PrepareForCreate (pkg/registry/core/pod/strategy.go).
          JsonObject status = new JsonObject();
          status.addProperty("phase", "Pending");
          status.addProperty("qosClass", PodDefaults.qosClass(object(o, "spec")));
          o.add("status", status);
        }
      }
      case "PodTemplate" -> PodDefaults.template(o, "template");
      case "ReplicationController" -> {
        PodDefaults.template(object(o, "spec"), "template");
        replicationController(o);
      }
      case "Service" -> service(object(o, "spec"));
      case "Namespace" -> namespace(o);
      case "Secret" -> stringIfAbsent(o, "type", "Opaque"); // SetDefaults_Secret
      case "PersistentVolumeClaim" -> {
        stringIfAbsent(object(o, "spec"), "volumeMode", "Filesystem");
        stringIfAbsent(object(o, "status"), "phase", "Pending");
      }
      case "PersistentVolume" -> {
        JsonObject spec = object(o, "spec");
        stringIfAbsent(spec, "persistentVolumeReclaimPolicy", "Retain");
        stringIfAbsent(spec, "volumeMode", "Filesystem");
        stringIfAbsent(object(o, "status"), "phase", "Pending");
      }
      case "Endpoints" -> {
        for (JsonObject subset : objects(o, "subsets")) {
          for (JsonObject p : objects(subset, "ports")) {
            stringIfAbsent(p, "protocol", "TCP");
          }
        }
      }
      case "Deployment.apps" -> WorkloadDefaults.deployment(o);
      case "StatefulSet.apps" -> WorkloadDefaults.statefulSet(o);
      case "DaemonSet.apps" -> {
        WorkloadDefaults.daemonSet(o);
        if (created) {
          // daemonSetStrategy.PrepareForCreate: TemplateGeneration 1, which apps/v1 carries as
          // this annotation. (Its increment when an update changes the template is not simulated.)
          Defaulting.object(Defaulting.object(o, "metadata"), "annotations")
              .addProperty("deprecated.daemonset.template.generation", "1");
        }
      }
      case "ReplicaSet.apps" -> WorkloadDefaults.replicaSet(o);
      case "Job.batch" -> WorkloadDefaults.job(o, minor, created);
      case "CronJob.batch" -> WorkloadDefaults.cronJob(o);
      case "NetworkPolicy.networking.k8s.io" -> networkPolicy(object(o, "spec"));
      case "IngressClass.networking.k8s.io" -> {
        // SetDefaults_IngressClass (pkg/apis/networking/v1/defaults.go).
        if (object(o, "spec").get("parameters") instanceof JsonObject p) {
          stringIfAbsent(p, "scope", "Cluster");
        }
      }
      default -> {}
    }
  }

  /**
   * Whether a group is Kubernetes' own: the legacy groups without a dot, or one under k8s.io (which
   * custom resources may use only with an API review's approval).
   */
  static boolean builtInGroup(String group) {
    return group.isEmpty()
        || group.endsWith(".k8s.io")
        || group.equals("apps")
        || group.equals("batch")
        || group.equals("autoscaling")
        || group.equals("policy");
  }

  /**
   * SetDefaults_ReplicationController: the selector and the object's labels from the template's,
   * and {@code replicas} 1 ({@code +default=1}).
   */
  private static void replicationController(JsonObject o) {
    JsonObject spec = object(o, "spec");
    if (!spec.has("replicas")) {
      spec.addProperty("replicas", 1);
    }
    if (spec.get("template") instanceof JsonObject template
        && template.get("metadata") instanceof JsonObject meta
        && meta.get("labels") instanceof JsonObject labels) {
      if (!(spec.get("selector") instanceof JsonObject s) || s.isEmpty()) {
        spec.add("selector", labels.deepCopy());
      }
      JsonObject own = object(o, "metadata");
      if (!(own.get("labels") instanceof JsonObject l) || l.isEmpty()) {
        own.add("labels", labels.deepCopy());
      }
    }
  }

  /**
   * SetDefaults_Service (pkg/apis/core/v1/defaults.go) and ServicePort's {@code +default="TCP"}.
   */
  private static void service(JsonObject spec) {
    stringIfAbsent(spec, "sessionAffinity", "None");
    String affinity = string(spec, "sessionAffinity");
    if (affinity.equals("None")) {
      spec.remove("sessionAffinityConfig");
    } else if (affinity.equals("ClientIP")) {
      JsonObject config = object(spec, "sessionAffinityConfig");
      JsonObject clientIp = object(config, "clientIP");
      if (!clientIp.has("timeoutSeconds")) {
        clientIp.addProperty("timeoutSeconds", 10800); // v1.DefaultClientIPServiceAffinitySeconds
      }
    }
    stringIfAbsent(spec, "type", "ClusterIP");
    for (JsonObject p : objects(spec, "ports")) {
      stringIfAbsent(p, "protocol", "TCP");
      JsonElement target = p.get("targetPort");
      if (target == null
          || target.isJsonNull()
          || target.getAsString().isEmpty()
          || target.getAsString().equals("0")) {
        p.add("targetPort", p.get("port"));
      }
    }
    String type = string(spec, "type");
    boolean external = type.equals("NodePort") || type.equals("LoadBalancer");
    // service.ExternallyAccessible: also a ClusterIP service with external IPs.
    boolean externallyAccessible =
        external
            || (type.equals("ClusterIP")
                && spec.get("externalIPs") instanceof JsonArray ips
                && !ips.isEmpty());
    if (externallyAccessible) {
      stringIfAbsent(spec, "externalTrafficPolicy", "Cluster");
    }
    if (external || type.equals("ClusterIP")) {
      stringIfAbsent(spec, "internalTrafficPolicy", "Cluster");
    }
    if (type.equals("LoadBalancer") && absent(spec, "allocateLoadBalancerNodePorts")) {
      spec.addProperty("allocateLoadBalancerNodePorts", true);
    }
  }

  /**
   * SetDefaults_Namespace: the {@code kubernetes.io/metadata.name} label (set again on every write,
   * so it cannot be changed); SetDefaults_NamespaceStatus: phase Active.
   */
  private static void namespace(JsonObject o) {
    JsonObject meta = object(o, "metadata");
    String name = string(meta, "name");
    if (!name.isEmpty()) {
      object(meta, "labels").addProperty("kubernetes.io/metadata.name", name);
    }
    stringIfAbsent(object(o, "status"), "phase", "Active");
  }

  /**
   * SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort (pkg/apis/networking/v1/
   * defaults.go): a policy without policyTypes is an Ingress policy, and an Egress one too when it
   * has egress rules; ports are TCP.
   */
  private static void networkPolicy(JsonObject spec) {
    for (String direction : new String[] {"ingress", "egress"}) {
      for (JsonObject rule : objects(spec, direction)) {
        for (JsonObject p : objects(rule, "ports")) {
          stringIfAbsent(p, "protocol", "TCP");
        }
      }
    }
    if (!(spec.get("policyTypes") instanceof JsonArray types) || types.isEmpty()) {
      JsonArray types = new JsonArray();
      types.add("Ingress");
      if (spec.get("egress") instanceof JsonArray egress && !egress.isEmpty()) {
        types.add("Egress");
      }
      spec.add("policyTypes", types);
    }
  }

  // Small JSON helpers shared by the defaulting classes.

  /** The object under {@code key}, created (and added) when absent or not an object. */
  static JsonObject object(JsonObject o, String key) {
    if (o.get(key) instanceof JsonObject existing) {
      return existing;
    }
    JsonObject created = new JsonObject();
    o.add(key, created);
    return created;
  }

  /** The objects of the array under {@code key}, or none. */
  static List<JsonObject> objects(JsonObject o, String key) {
    List<JsonObject> out = new ArrayList<>();
    if (o.get(key) instanceof JsonArray a) {
      for (JsonElement e : a) {
        if (e instanceof JsonObject item) {
          out.add(item);
        }
      }
    }
    return out;
  }

  static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  /** Sets a string field that is absent, null or "" (Go's zero string). */
  static void stringIfAbsent(JsonObject o, String key, String value) {
    if (string(o, key).isEmpty()) {
      o.addProperty(key, value);
    }
  }

  /** Whether a pointer field is nil: absent or null. */
  static boolean absent(JsonObject o, String key) {
    return !o.has(key) || o.get(key).isJsonNull();
  }

  /** Sets a pointer field that is absent or null. */
  static void ifAbsent(JsonObject o, String key, Number value) {
    if (absent(o, key)) {
      o.addProperty(key, value);
    }
  }

  static int intOf(JsonObject o, String key) {
    JsonElement e = o.get(key);
    try {
      return e != null && e.isJsonPrimitive() ? e.getAsInt() : 0;
    } catch (NumberFormatException ex) {
      return 0;
    }
  }

  static boolean isTrue(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null
        && e.isJsonPrimitive()
        && e.getAsJsonPrimitive().isBoolean()
        && e.getAsBoolean();
  }
}
