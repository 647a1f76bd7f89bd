package dev.safeclient.benchmarks;

import java.util.Locale;

/**
 * Pods as an API server sends them for a Deployment's replicas: labels, an owner reference, two
 * containers with env, ports, probes, resources and mounts, the projected service-account volume,
 * default tolerations, managedFields, and a running status with conditions and container statuses.
 * Pod {@code i} belongs to one of {@link #DEPLOYMENTS} Deployments spread over {@link #NAMESPACES}
 * namespaces and {@link #NODES} nodes, so values repeat across objects as in a real cluster.
 */
public final class RealisticPods {
  /** 100 replicas each for 50,000 pods. */
  static final int DEPLOYMENTS = 500;

  static final int NAMESPACES = 50;
  static final int NODES = 1000;

  private RealisticPods() {}

  public static String json(String namespace, String name, int i) {
    int d = i % DEPLOYMENTS;
    String app = "svc-" + d;
    String hash = Integer.toHexString(0x5f3c9a00 + d * 7919).substring(0, 8);
    String rs = app + "-" + hash;
    int node = (int) ((i * 7919L) % NODES);
    String ip = "10." + (node / 250) + "." + (node % 250) + "." + (i % 250 + 2);
    String hostIp = "172.20." + (node / 250) + "." + (node % 250 + 2);
    String created =
        String.format(
            Locale.ROOT, "2026-11-%02dT%02d:%02d:%02dZ", 1 + d % 20, d % 24, i % 60, (i * 7) % 60);
    String started =
        String.format(
            Locale.ROOT,
            "2026-11-%02dT%02d:%02d:%02dZ",
            1 + d % 20,
            d % 24,
            i % 60,
            (i * 7 + 3) % 60);
    String uid = uuid(i, 1);
    String image =
        "registry.example.com/team-"
            + (d % NAMESPACES)
            + "/"
            + app
            + ":1."
            + (d % 7)
            + "."
            + (d % 3);
    String imageId =
        "registry.example.com/team-" + (d % NAMESPACES) + "/" + app + "@sha256:" + sha(d);
    return """
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"%1$s","generateName":"%2$s-","namespace":"%3$s",\
        "uid":"%4$s","resourceVersion":"%5$d","creationTimestamp":"%6$s",\
        "labels":{"app.kubernetes.io/name":"%7$s","app.kubernetes.io/part-of":"team-%8$d","pod-template-hash":"%9$s","tier":"backend","version":"v1"},\
        "annotations":{"prometheus.io/scrape":"true","prometheus.io/port":"9090"},\
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"%2$s","uid":"%10$s","controller":true,"blockOwnerDeletion":true}],\
        "managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"%6$s","fieldsType":"FieldsV1",\
        "fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"%10$s\\"}":{}}},\
        "f:spec":{"f:containers":{"k:{\\"name\\":\\"app\\"}":{".":{},"f:env":{},"f:image":{},"f:name":{},"f:ports":{},"f:resources":{}}}}}},\
        {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"%11$s","fieldsType":"FieldsV1","subresource":"status",\
        "fieldsV1":{"f:status":{"f:conditions":{},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}}}]},\
        "spec":{"volumes":[{"name":"config","configMap":{"name":"%7$s-config","defaultMode":420}},\
        {"name":"kube-api-access-%12$s","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},\
        {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},\
        {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],\
        "containers":[{"name":"app","image":"%13$s","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}],\
        "env":[{"name":"JAVA_TOOL_OPTIONS","value":"-XX:MaxRAMPercentage=75"},{"name":"LOG_LEVEL","value":"info"},{"name":"SERVICE_NAME","value":"%7$s"},\
        {"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},\
        {"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],\
        "resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"250m","memory":"512Mi"}},\
        "volumeMounts":[{"name":"config","readOnly":true,"mountPath":"/etc/app"},{"name":"kube-api-access-%12$s","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],\
        "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},\
        "readinessProbe":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3},\
        "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"},\
        {"name":"envoy","image":"registry.example.com/mesh/envoy:v1.31.2","args":["--config-path","/etc/envoy/envoy.yaml","--log-level","warn"],\
        "ports":[{"name":"envoy-admin","containerPort":15000,"protocol":"TCP"}],\
        "env":[{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}},{"name":"ENVOY_UID","value":"1337"}],\
        "resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"50m","memory":"64Mi"}},\
        "volumeMounts":[{"name":"kube-api-access-%12$s","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],\
        "readinessProbe":{"httpGet":{"path":"/ready","port":15021,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":2,"successThreshold":1,"failureThreshold":30},\
        "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],\
        "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"%7$s","serviceAccount":"%7$s",\
        "nodeName":"node-%14$d","securityContext":{"runAsNonRoot":true,"fsGroup":2000},"schedulerName":"default-scheduler",\
        "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},\
        {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],\
        "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},\
        "status":{"phase":"Running","conditions":[\
        {"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"%11$s"},\
        {"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"%6$s"},\
        {"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"%11$s"},\
        {"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"%11$s"},\
        {"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"%6$s"}],\
        "hostIP":"%15$s","hostIPs":[{"ip":"%15$s"}],"podIP":"%16$s","podIPs":[{"ip":"%16$s"}],"startTime":"%6$s",\
        "containerStatuses":[{"name":"app","state":{"running":{"startedAt":"%11$s"}},"lastState":{},"ready":true,"restartCount":0,\
        "image":"%13$s","imageID":"%17$s","containerID":"containerd://%18$s","started":true},\
        {"name":"envoy","state":{"running":{"startedAt":"%11$s"}},"lastState":{},"ready":true,"restartCount":0,\
        "image":"registry.example.com/mesh/envoy:v1.31.2","imageID":"registry.example.com/mesh/envoy@sha256:%19$s",\
        "containerID":"containerd://%20$s","started":true}],"qosClass":"Burstable"}}"""
        .formatted(
            name,
            rs,
            namespace,
            uid,
            1_000_000L + i,
            created,
            app,
            d % NAMESPACES,
            hash,
            uuid(d, 2),
            started,
            Integer.toString(i % 46656 + 46656, 36).substring(1),
            image,
            node,
            hostIp,
            ip,
            imageId,
            sha(i * 31L + 7),
            sha(7),
            sha(i * 37L + 11));
  }

  /** The namespace pod {@code i} of the 50,000 lives in. */
  public static String namespaceOf(int i) {
    return "team-" + (i % DEPLOYMENTS) % NAMESPACES;
  }

  private static String uuid(long i, int salt) {
    long h = mix(i * 1_000_003L + salt);
    long l = mix(h ^ (i + salt * 31L));
    String hex = String.format(Locale.ROOT, "%016x%016x", h, l);
    return hex.substring(0, 8)
        + "-"
        + hex.substring(8, 12)
        + "-4"
        + hex.substring(13, 16)
        + "-a"
        + hex.substring(17, 20)
        + "-"
        + hex.substring(20, 32);
  }

  private static String sha(long i) {
    StringBuilder b = new StringBuilder();
    long x = i;
    for (int k = 0; k < 4; k++) {
      x = mix(x + k);
      b.append(String.format(Locale.ROOT, "%016x", x));
    }
    return b.toString();
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
