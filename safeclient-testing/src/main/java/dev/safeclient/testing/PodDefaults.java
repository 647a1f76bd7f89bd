package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;

/**
 * The defaulting of a pod spec, wherever one is embedded (a Pod, or a workload's pod template):
 * {@code SetDefaults_PodSpec}, {@code SetDefaults_Container}, {@code SetDefaults_Volume}, {@code
 * SetDefaults_Probe}, {@code SetDefaults_HTTPGetAction}, the volume sources' {@code defaultMode},
 * {@code SetDefaults_ObjectFieldSelector}, and the {@code +default="TCP"} of {@code
 * ContainerPort.protocol} (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and the generated
 * zz_generated.defaults.go, which walks every embedded pod spec). {@code SetDefaults_Pod} applies
 * to a Pod only, not to templates (its comment says why: new defaults there would change every
 * workload's template hash).
 */
final class PodDefaults {
  /** v1.SecretVolumeSourceDefaultMode and the other volume sources' 0644. */
  private static final int DEFAULT_MODE = 0644;

  private PodDefaults() {}

  /** {@code SetDefaults_Pod}, then the spec's defaults. */
  static void pod(JsonObject pod) {
    JsonObject spec = Defaulting.object(pod, "spec");
    for (String list : new String[] {"containers", "initContainers"}) {
      for (JsonObject c : Defaulting.objects(spec, list)) {
        requestsFromLimits(c);
      }
    }
    if (Defaulting.absent(spec, "enableServiceLinks")) {
      spec.addProperty("enableServiceLinks", true); // v1.DefaultEnableServiceLinks
    }
    if (Defaulting.isTrue(spec, "hostNetwork")) {
      for (String list : new String[] {"containers", "initContainers"}) {
        for (JsonObject c : Defaulting.objects(spec, list)) {
          for (JsonObject p : Defaulting.objects(c, "ports")) {
            if (Defaulting.intOf(p, "hostPort") == 0 && p.has("containerPort")) {
              p.add("hostPort", p.get("containerPort")); // defaultHostNetworkPorts
            }
          }
        }
      }
    }
    spec(spec);
  }

  /** A pod template's spec ({@code SetObjectDefaults_*} on {@code .spec.template.spec}). */
  static void template(JsonObject owner, String... path) {
    JsonObject o = owner;
    for (String p : path) {
      if (!(o.get(p) instanceof JsonObject next)) {
        return;
      }
      o = next;
    }
    if (o.get("spec") instanceof JsonObject spec) {
      spec(spec);
    }
  }

  /** If limits are given and requests are not, requests default to the limits (Pods only). */
  private static void requestsFromLimits(JsonObject container) {
    if (!(container.get("resources") instanceof JsonObject r)
        || !(r.get("limits") instanceof JsonObject limits)) {
      return;
    }
    JsonObject requests = Defaulting.object(r, "requests");
    for (Map.Entry<String, JsonElement> e : limits.entrySet()) {
      if (!requests.has(e.getKey())) {
        requests.add(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  private static void spec(JsonObject spec) {
    Defaulting.stringIfAbsent(spec, "dnsPolicy", "ClusterFirst");
    Defaulting.stringIfAbsent(spec, "restartPolicy", "Always");
    if (!(spec.get("securityContext") instanceof JsonObject)) {
      spec.add("securityContext", new JsonObject());
    }
    if (Defaulting.absent(spec, "terminationGracePeriodSeconds")) {
      spec.addProperty("terminationGracePeriodSeconds", 30); // v1.DefaultTerminationGracePeriod
    }
    Defaulting.stringIfAbsent(spec, "schedulerName", "default-scheduler");
    for (String list : new String[] {"containers", "initContainers", "ephemeralContainers"}) {
      for (JsonObject c : Defaulting.objects(spec, list)) {
        container(c);
      }
    }
    for (JsonObject v : Defaulting.objects(spec, "volumes")) {
      volume(v);
    }
  }

  private static void container(JsonObject c) {
    if (Defaulting.string(c, "imagePullPolicy").isEmpty()) {
      c.addProperty(
          "imagePullPolicy",
          "latest".equals(tag(Defaulting.string(c, "image"))) ? "Always" : "IfNotPresent");
    }
    Defaulting.stringIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
    Defaulting.stringIfAbsent(c, "terminationMessagePolicy", "File");
    for (JsonObject p : Defaulting.objects(c, "ports")) {
      Defaulting.stringIfAbsent(p, "protocol", "TCP");
    }
    for (String probe : new String[] {"livenessProbe", "readinessProbe", "startupProbe"}) {
      if (c.get(probe) instanceof JsonObject p) {
        probe(p);
      }
    }
    if (c.get("lifecycle") instanceof JsonObject l) {
      for (String hook : new String[] {"postStart", "preStop"}) {
        if (l.get(hook) instanceof JsonObject h) {
          handler(h);
        }
      }
    }
    for (JsonObject env : Defaulting.objects(c, "env")) {
      if (env.get("valueFrom") instanceof JsonObject from
          && from.get("fieldRef") instanceof JsonObject ref) {
        Defaulting.stringIfAbsent(ref, "apiVersion", "v1"); // SetDefaults_ObjectFieldSelector
      }
    }
  }

  private static void probe(JsonObject p) {
    for (String[] d :
        new String[][] {
          {"timeoutSeconds", "1"},
          {"periodSeconds", "10"},
          {"successThreshold", "1"},
          {"failureThreshold", "3"}
        }) {
      if (Defaulting.intOf(p, d[0]) == 0) {
        p.addProperty(d[0], Integer.parseInt(d[1]));
      }
    }
    handler(p);
  }

  /**
   * The handler of a probe or lifecycle hook: HTTP GET path "/" and scheme HTTP; gRPC service "".
   */
  private static void handler(JsonObject h) {
    if (h.get("httpGet") instanceof JsonObject get) {
      Defaulting.stringIfAbsent(get, "path", "/");
      Defaulting.stringIfAbsent(get, "scheme", "HTTP");
    }
    if (h.get("grpc") instanceof JsonObject grpc && !grpc.has("service")) {
      grpc.addProperty("service", ""); // GRPCAction.Service: +default=""
    }
  }

  private static void volume(JsonObject v) {
    boolean hasSource = false;
    for (String k : v.keySet()) {
      if (!k.equals("name") && !v.get(k).isJsonNull()) {
        hasSource = true;
      }
    }
    if (!hasSource) {
      v.add("emptyDir", new JsonObject());
    }
    for (String source : new String[] {"secret", "configMap", "downwardAPI", "projected"}) {
      if (v.get(source) instanceof JsonObject s && !s.has("defaultMode")) {
        s.addProperty("defaultMode", DEFAULT_MODE);
      }
    }
    if (v.get("hostPath") instanceof JsonObject h && !h.has("type")) {
      h.addProperty("type", ""); // v1.HostPathUnset
    }
    if (v.get("projected") instanceof JsonObject p) {
      for (JsonObject s : Defaulting.objects(p, "sources")) {
        if (s.get("serviceAccountToken") instanceof JsonObject token
            && !token.has("expirationSeconds")) {
          token.addProperty("expirationSeconds", 3600); // SetDefaults_ServiceAccountTokenProjection
        }
        if (s.get("downwardAPI") instanceof JsonObject d) {
          for (JsonObject item : Defaulting.objects(d, "items")) {
            if (item.get("fieldRef") instanceof JsonObject ref) {
              Defaulting.stringIfAbsent(ref, "apiVersion", "v1");
            }
          }
        }
      }
    }
    if (v.get("downwardAPI") instanceof JsonObject d) {
      for (JsonObject item : Defaulting.objects(d, "items")) {
        if (item.get("fieldRef") instanceof JsonObject ref) {
          Defaulting.stringIfAbsent(ref, "apiVersion", "v1");
        }
      }
    }
    if (v.get("ephemeral") instanceof JsonObject e
        && e.get("volumeClaimTemplate") instanceof JsonObject t
        && t.get("spec") instanceof JsonObject claim) {
      Defaulting.stringIfAbsent(claim, "volumeMode", "Filesystem");
    }
  }

  /**
   * The tag of an image reference as {@code parsers.ParseImageName} finds it: none (hence "latest")
   * unless the last path component has a ':'; a digest reference has no tag.
   */
  static String tag(String image) {
    if (image.contains("@")) {
      return "";
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(colon + 1) : "latest";
  }

  /**
   * The pod's QoS class, as the pod strategy's {@code PrepareForCreate} sets it ({@code
   * qos.GetPodQOS} in pkg/apis/core/helper/qos): BestEffort without any CPU or memory request or
   * limit; Guaranteed when every container limits both and requests equal limits; else Burstable.
   */
  static String qosClass(JsonObject spec) {
    boolean any = false;
    boolean guaranteed = true;
    for (String list : new String[] {"containers", "initContainers"}) {
      for (JsonObject c : Defaulting.objects(spec, list)) {
        JsonObject r = c.get("resources") instanceof JsonObject o ? o : new JsonObject();
        JsonObject requests = r.get("requests") instanceof JsonObject o ? o : new JsonObject();
        JsonObject limits = r.get("limits") instanceof JsonObject o ? o : new JsonObject();
        for (String name : new String[] {"cpu", "memory"}) {
          String request = nonZero(requests, name);
          String limit = nonZero(limits, name);
          any |= request != null || limit != null;
          if (limit == null || (request != null && !Quantities.equal(request, limit))) {
            guaranteed = false;
          }
        }
      }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
  }

  private static String nonZero(JsonObject list, String name) {
    JsonElement e = list.get(name);
    if (e == null || !e.isJsonPrimitive()) {
      return null;
    }
    String q = e.getAsString();
    return Quantities.equal(q, "0") ? null : q;
  }
}
