package dev.safeclient.benchmarks.protobuf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.IntStr.IntOrString;
import io.kubernetes.client.proto.Meta.FieldsV1;
import io.kubernetes.client.proto.Meta.ListMeta;
import io.kubernetes.client.proto.Meta.ManagedFieldsEntry;
import io.kubernetes.client.proto.Meta.ObjectMeta;
import io.kubernetes.client.proto.Meta.OwnerReference;
import io.kubernetes.client.proto.Meta.Time;
import io.kubernetes.client.proto.Resource.Quantity;
import io.kubernetes.client.proto.Runtime.TypeMeta;
import io.kubernetes.client.proto.Runtime.Unknown;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;

/**
 * A realistic PodList: the pods of a few hundred Deployments, each with labels, an owner reference,
 * two containers (env, ports, probes, resources, mounts), tolerations, a status with conditions and
 * container statuses, and the managedFields a server stores for kubelet and controller updates.
 * Written once with client-java-proto's generated builders (benchmark setup only) and rendered to
 * the JSON the API server would send for the same object.
 */
public final class PodListCorpus {
  private static final long BASE_SECONDS = 1_735_689_600L; // 2025-01-01T00:00:00Z

  private PodListCorpus() {}

  /** magic + runtime.Unknown, as the API server answers a Protobuf LIST. */
  public static byte[] protobuf(int pods, boolean managedFields) {
    V1.PodList.Builder list =
        V1.PodList.newBuilder()
            .setMetadata(ListMeta.newBuilder().setResourceVersion("987654321").build());
    for (int i = 0; i < pods; i++) {
      list.addItems(pod(i, managedFields));
    }
    Unknown u =
        Unknown.newBuilder()
            .setTypeMeta(TypeMeta.newBuilder().setApiVersion("v1").setKind("PodList"))
            .setRaw(list.build().toByteString())
            .setContentEncoding("")
            .setContentType("")
            .build();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0x6b, 0x38, 0x73, 0x00});
    b.writeBytes(u.toByteArray());
    return b.toByteArray();
  }

  /** The same list as the API server's JSON. */
  public static byte[] json(int pods, boolean managedFields) {
    JsonObject list = new JsonObject();
    list.addProperty("kind", "PodList");
    list.addProperty("apiVersion", "v1");
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", "987654321");
    list.add("metadata", meta);
    JsonArray items = new JsonArray();
    for (int i = 0; i < pods; i++) {
      items.add(toJson(pod(i, managedFields)));
    }
    list.add("items", items);
    return list.toString().getBytes(StandardCharsets.UTF_8);
  }

  static V1.Pod pod(int i, boolean managedFields) {
    int app = i / 16;
    String appName = "svc-" + app;
    String rs = appName + "-7d9c5b" + Integer.toHexString(app % 4096);
    String name = rs + "-" + Integer.toString(36 * 36 * 36 + i * 7919 % 1_000_000, 36);
    String ns = "team-" + (app % 40);
    String node = "node-" + (i % 300) + ".eu-west-1.compute.internal";
    long created = BASE_SECONDS + i * 13L;
    ObjectMeta.Builder meta =
        ObjectMeta.newBuilder()
            .setName(name)
            .setGenerateName(rs + "-")
            .setNamespace(ns)
            .setUid(uid(i, 1))
            .setResourceVersion(Long.toString(900_000_000L + i * 17L))
            .setCreationTimestamp(time(created))
            .putLabels("app.kubernetes.io/name", appName)
            .putLabels("app.kubernetes.io/part-of", "shop")
            .putLabels("pod-template-hash", "7d9c5b" + Integer.toHexString(app % 4096))
            .putLabels("tier", i % 3 == 0 ? "frontend" : "backend")
            .putAnnotations("kubectl.kubernetes.io/restartedAt", "2025-01-01T00:00:00Z")
            .putAnnotations("prometheus.io/scrape", "true")
            .addOwnerReferences(
                OwnerReference.newBuilder()
                    .setApiVersion("apps/v1")
                    .setKind("ReplicaSet")
                    .setName(rs)
                    .setUid(uid(app, 2))
                    .setController(true)
                    .setBlockOwnerDeletion(true));
    if (managedFields) {
      meta.addManagedFields(
              managed("kube-controller-manager", "Update", created, "", CONTROLLER_FIELDS))
          .addManagedFields(managed("kubelet", "Update", created + 9, "status", KUBELET_FIELDS));
    }
    V1.PodSpec.Builder spec =
        V1.PodSpec.newBuilder()
            .addContainers(container(appName, "app", 8080, "500m", "512Mi"))
            .addContainers(container(appName, "istio-proxy", 15090, "100m", "128Mi"))
            .addVolumes(
                V1.Volume.newBuilder()
                    .setName("kube-api-access-" + Integer.toString(i % 46656, 36))
                    .setVolumeSource(
                        V1.VolumeSource.newBuilder()
                            .setConfigMap(
                                V1.ConfigMapVolumeSource.newBuilder()
                                    .setLocalObjectReference(
                                        V1.LocalObjectReference.newBuilder()
                                            .setName("kube-root-ca.crt"))
                                    .setDefaultMode(420))))
            .setRestartPolicy("Always")
            .setTerminationGracePeriodSeconds(30)
            .setDnsPolicy("ClusterFirst")
            .setServiceAccountName(appName)
            .setServiceAccount(appName)
            .setNodeName(node)
            .setSecurityContext(V1.PodSecurityContext.newBuilder().setRunAsNonRoot(true))
            .setSchedulerName("default-scheduler")
            .addTolerations(
                V1.Toleration.newBuilder()
                    .setKey("node.kubernetes.io/not-ready")
                    .setOperator("Exists")
                    .setEffect("NoExecute")
                    .setTolerationSeconds(300))
            .addTolerations(
                V1.Toleration.newBuilder()
                    .setKey("node.kubernetes.io/unreachable")
                    .setOperator("Exists")
                    .setEffect("NoExecute")
                    .setTolerationSeconds(300))
            .setPriority(0)
            .setEnableServiceLinks(true)
            .setPreemptionPolicy("PreemptLowerPriority");
    String podIp = "10." + (i / 65536 % 256) + "." + (i / 256 % 256) + "." + (i % 256);
    V1.PodStatus.Builder status =
        V1.PodStatus.newBuilder()
            .setPhase("Running")
            .setHostIP("172.20." + (i % 300 / 256) + "." + (i % 256))
            .setPodIP(podIp)
            .addPodIPs(V1.PodIP.newBuilder().setIp(podIp))
            .setStartTime(time(created + 1))
            .setQosClass("Burstable");
    for (String type :
        new String[] {
          "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"
        }) {
      status.addConditions(
          V1.PodCondition.newBuilder()
              .setType(type)
              .setStatus("True")
              .setLastProbeTime(Time.newBuilder())
              .setLastTransitionTime(time(created + 5)));
    }
    for (String c : new String[] {"app", "istio-proxy"}) {
      status.addContainerStatuses(
          V1.ContainerStatus.newBuilder()
              .setName(c)
              .setState(
                  V1.ContainerState.newBuilder()
                      .setRunning(
                          V1.ContainerStateRunning.newBuilder().setStartedAt(time(created + 7))))
              .setLastState(V1.ContainerState.newBuilder())
              .setReady(true)
              .setRestartCount(i % 7 == 0 ? 1 : 0)
              .setImage("registry.example.com/shop/" + appName + ":1." + (app % 20) + ".3")
              .setImageID(
                  "registry.example.com/shop/"
                      + appName
                      + "@sha256:"
                      + uid(app, 3).replace("-", "")
                      + "00000000000000000000000000000000".substring(0, 28))
              .setContainerID(
                  "containerd://" + uid(i, 4).replace("-", "") + uid(i, 5).replace("-", ""))
              .setStarted(true));
    }
    return V1.Pod.newBuilder().setMetadata(meta).setSpec(spec).setStatus(status).build();
  }

  private static V1.Container container(String app, String name, int port, String cpu, String mem) {
    V1.Probe.Builder probe =
        V1.Probe.newBuilder()
            .setHandler(
                V1.ProbeHandler.newBuilder()
                    .setHttpGet(
                        V1.HTTPGetAction.newBuilder()
                            .setPath("/healthz")
                            .setPort(IntOrString.newBuilder().setType(0).setIntVal(port))
                            .setScheme("HTTP")))
            .setInitialDelaySeconds(10)
            .setTimeoutSeconds(1)
            .setPeriodSeconds(10)
            .setSuccessThreshold(1)
            .setFailureThreshold(3);
    return V1.Container.newBuilder()
        .setName(name)
        .setImage("registry.example.com/shop/" + app + ":1.4.3")
        .addPorts(
            V1.ContainerPort.newBuilder().setName("http").setContainerPort(port).setProtocol("TCP"))
        .addEnv(V1.EnvVar.newBuilder().setName("LOG_LEVEL").setValue("info"))
        .addEnv(
            V1.EnvVar.newBuilder()
                .setName("OTEL_EXPORTER_OTLP_ENDPOINT")
                .setValue("http://otel-collector.observability:4317"))
        .addEnv(
            V1.EnvVar.newBuilder()
                .setName("POD_NAME")
                .setValueFrom(
                    V1.EnvVarSource.newBuilder()
                        .setFieldRef(
                            V1.ObjectFieldSelector.newBuilder()
                                .setApiVersion("v1")
                                .setFieldPath("metadata.name"))))
        .setResources(
            V1.ResourceRequirements.newBuilder()
                .putRequests("cpu", Quantity.newBuilder().setString(cpu).build())
                .putRequests("memory", Quantity.newBuilder().setString(mem).build())
                .putLimits("memory", Quantity.newBuilder().setString(mem).build()))
        .addVolumeMounts(
            V1.VolumeMount.newBuilder()
                .setName("kube-api-access")
                .setReadOnly(true)
                .setMountPath("/var/run/secrets/kubernetes.io/serviceaccount"))
        .setLivenessProbe(probe)
        .setReadinessProbe(probe)
        .setTerminationMessagePath("/dev/termination-log")
        .setTerminationMessagePolicy("File")
        .setImagePullPolicy("IfNotPresent")
        .setSecurityContext(
            V1.SecurityContext.newBuilder()
                .setAllowPrivilegeEscalation(false)
                .setReadOnlyRootFilesystem(true))
        .build();
  }

  private static final String CONTROLLER_FIELDS =
      "{\"f:metadata\":{\"f:generateName\":{},\"f:labels\":{\".\":{},\"f:app.kubernetes.io/name\":{},"
          + "\"f:pod-template-hash\":{},\"f:tier\":{}},\"f:ownerReferences\":{\".\":{},"
          + "\"k:{\\\"uid\\\":\\\"x\\\"}\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"app\\\"}\":"
          + "{\".\":{},\"f:env\":{\".\":{},\"k:{\\\"name\\\":\\\"LOG_LEVEL\\\"}\":{\".\":{},\"f:name\":{},"
          + "\"f:value\":{}}},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:livenessProbe\":{\".\":{},"
          + "\"f:failureThreshold\":{},\"f:httpGet\":{\".\":{},\"f:path\":{},\"f:port\":{},\"f:scheme\":{}},"
          + "\"f:initialDelaySeconds\":{},\"f:periodSeconds\":{}},\"f:name\":{},\"f:ports\":{\".\":{},"
          + "\"k:{\\\"containerPort\\\":8080,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{},"
          + "\"f:name\":{},\"f:protocol\":{}}},\"f:resources\":{\".\":{},\"f:limits\":{\".\":{},"
          + "\"f:memory\":{}},\"f:requests\":{\".\":{},\"f:cpu\":{},\"f:memory\":{}}}}},"
          + "\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},\"f:schedulerName\":{},"
          + "\"f:securityContext\":{\".\":{},\"f:runAsNonRoot\":{}},\"f:serviceAccount\":{},"
          + "\"f:serviceAccountName\":{},\"f:terminationGracePeriodSeconds\":{}}}";

  private static final String KUBELET_FIELDS =
      "{\"f:status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"ContainersReady\\\"}\":{\".\":{},"
          + "\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
          + "\"k:{\\\"type\\\":\\\"Initialized\\\"}\":{\".\":{},\"f:lastProbeTime\":{},"
          + "\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},\"k:{\\\"type\\\":\\\"Ready\\\"}\":"
          + "{\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}}},"
          + "\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:hostIPs\":{},\"f:phase\":{},\"f:podIP\":{},"
          + "\"f:podIPs\":{\".\":{},\"k:{\\\"ip\\\":\\\"10.0.0.1\\\"}\":{\".\":{},\"f:ip\":{}}},"
          + "\"f:startTime\":{}}}";

  private static ManagedFieldsEntry managed(
      String manager, String op, long at, String subresource, String fields) {
    ManagedFieldsEntry.Builder b =
        ManagedFieldsEntry.newBuilder()
            .setManager(manager)
            .setOperation(op)
            .setApiVersion("v1")
            .setTime(time(at))
            .setFieldsType("FieldsV1")
            .setFieldsV1(FieldsV1.newBuilder().setRaw(ByteString.copyFromUtf8(fields)));
    if (!subresource.isEmpty()) {
      b.setSubresource(subresource);
    }
    return b.build();
  }

  private static Time time(long seconds) {
    return Time.newBuilder().setSeconds(seconds).build();
  }

  private static String uid(int i, int salt) {
    long h = (i * 0x9E3779B97F4A7C15L) ^ (salt * 0xC2B2AE3D27D4EB4FL);
    String hex = String.format("%016x%016x", h, Long.rotateLeft(h, 17) * 31);
    return hex.substring(0, 8)
        + "-"
        + hex.substring(8, 12)
        + "-"
        + hex.substring(12, 16)
        + "-"
        + hex.substring(16, 20)
        + "-"
        + hex.substring(20, 32);
  }

  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  /**
   * The JSON the API server writes for a generated message: field names as JSON names, Go's inline
   * structs flattened, Kubernetes' special types in their JSON forms.
   */
  static JsonElement toJson(Message m) {
    String type = m.getDescriptorForType().getFullName();
    switch (type) {
      case "k8s.io.apimachinery.pkg.apis.meta.v1.Time":
        {
          Time t = (Time) m;
          return t.hasSeconds()
              ? new JsonPrimitive(RFC3339.format(Instant.ofEpochSecond(t.getSeconds())))
              : com.google.gson.JsonNull.INSTANCE;
        }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity":
        return new JsonPrimitive(((Quantity) m).getString());
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        {
          IntOrString v = (IntOrString) m;
          return v.getType() == 0
              ? new JsonPrimitive(v.getIntVal())
              : new JsonPrimitive(v.getStrVal());
        }
      case "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
        return JsonParser.parseString(((FieldsV1) m).getRaw().toStringUtf8());
      default:
        break;
    }
    JsonObject o = new JsonObject();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      boolean inline =
          f.getName().equals("handler")
              || f.getName().equals("volumeSource")
              || f.getName().equals("localObjectReference");
      if (inline) {
        toJson((Message) e.getValue())
            .getAsJsonObject()
            .entrySet()
            .forEach(x -> o.add(x.getKey(), x.getValue()));
      } else if (f.isMapField()) {
        JsonObject map = new JsonObject();
        for (Object entry : (java.util.List<?>) e.getValue()) {
          Message me = (Message) entry;
          Object k = me.getField(me.getDescriptorForType().findFieldByNumber(1));
          Object v = me.getField(me.getDescriptorForType().findFieldByNumber(2));
          map.add(k.toString(), value(v));
        }
        o.add(f.getName(), map);
      } else if (f.isRepeated()) {
        JsonArray a = new JsonArray();
        for (Object v : (java.util.List<?>) e.getValue()) {
          a.add(value(v));
        }
        o.add(f.getName(), a);
      } else {
        o.add(f.getName(), value(e.getValue()));
      }
    }
    return o;
  }

  private static JsonElement value(Object v) {
    if (v instanceof Message m) {
      return toJson(m);
    }
    if (v instanceof ByteString b) {
      return new JsonPrimitive(Base64.getEncoder().encodeToString(b.toByteArray()));
    }
    if (v instanceof Number n) {
      return new JsonPrimitive(n);
    }
    if (v instanceof Boolean b) {
      return new JsonPrimitive(b);
    }
    return new JsonPrimitive(v.toString());
  }
}
