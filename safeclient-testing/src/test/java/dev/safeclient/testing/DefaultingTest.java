package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimSpec;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecretVolumeSource;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeResourceRequirements;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a kube-apiserver's defaulting fills in, as client-java reads it back from KubeSim: the
 * values of k8s.io/kubernetes pkg/apis/{core,apps,batch}/v1/defaults.go and the pod and Job create
 * strategies. {@link DefaultingOnRealServerTest} checks the same against real servers.
 */
class DefaultingTest {

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34", "1.36"})
  void aMinimalPodIsAnsweredAndStoredWithItsDefaults(String version) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      CoreV1Api core = new CoreV1Api(sim.apiClient());
      V1Pod pod =
          new V1Pod()
              .metadata(new V1ObjectMeta().name("p"))
              .spec(
                  new V1PodSpec()
                      .addContainersItem(
                          new V1Container()
                              .name("a")
                              .image("nginx")
                              .addPortsItem(new V1ContainerPort().containerPort(80)))
                      .addContainersItem(
                          new V1Container()
                              .name("b")
                              .image("busybox:1.36")
                              .resources(
                                  new V1ResourceRequirements()
                                      .limits(Map.of("cpu", Quantity.fromString("1")))))
                      .addVolumesItem(
                          new V1Volume()
                              .name("s")
                              .secret(new V1SecretVolumeSource().secretName("x"))));
      V1Pod created = core.createNamespacedPod("default", pod).execute();
      V1Pod read = core.readNamespacedPod("p", "default").execute();
      for (V1Pod p : List.of(created, read)) {
        V1PodSpec spec = p.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Always");
        assertThat(spec.getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(spec.getSchedulerName()).isEqualTo("default-scheduler");
        assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(spec.getSecurityContext()).isNotNull();
        assertThat(spec.getEnableServiceLinks()).isTrue();
        V1Container a = spec.getContainers().get(0);
        assertThat(a.getImagePullPolicy()).isEqualTo("Always"); // no tag: latest
        assertThat(a.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(a.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(a.getPorts().get(0).getProtocol()).isEqualTo("TCP");
        V1Container b = spec.getContainers().get(1);
        assertThat(b.getImagePullPolicy()).isEqualTo("IfNotPresent");
        // SetDefaults_Pod: requests default to the limits.
        assertThat(b.getResources().getRequests()).containsEntry("cpu", Quantity.fromString("1"));
        assertThat(spec.getVolumes().get(0).getSecret().getDefaultMode()).isEqualTo(420);
        assertThat(p.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(p.getStatus().getQosClass()).isEqualTo("Burstable");
      }
    }
  }

  /**
   * A Deployment's defaults, and an update that sends the object without them (as a client that
   * builds its object from scratch does): defaulted again, it equals what is stored, so nothing is
   * written (same resourceVersion, same generation).
   */
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34"})
  void aDeploymentIsDefaultedAndAnUndefaultedReplaceChangesNothing(String version)
      throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      AppsV1Api apps = new AppsV1Api(sim.apiClient());
      V1Deployment created = apps.createNamespacedDeployment("default", deployment()).execute();
      V1DeploymentSpec spec = created.getSpec();
      assertThat(spec.getReplicas()).isEqualTo(1);
      assertThat(spec.getStrategy().getType()).isEqualTo("RollingUpdate");
      assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge())
          .isEqualTo(new IntOrString("25%"));
      assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable())
          .isEqualTo(new IntOrString("25%"));
      assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
      assertThat(spec.getProgressDeadlineSeconds()).isEqualTo(600);
      V1PodSpec template = spec.getTemplate().getSpec();
      assertThat(template.getRestartPolicy()).isEqualTo("Always");
      // SetDefaults_Pod is for Pods only: a template gets no enableServiceLinks.
      assertThat(template.getEnableServiceLinks()).isNull();

      V1Deployment again = deployment();
      again.getMetadata().resourceVersion(created.getMetadata().getResourceVersion());
      V1Deployment replaced = apps.replaceNamespacedDeployment("d", "default", again).execute();
      assertThat(replaced.getMetadata().getResourceVersion())
          .isEqualTo(created.getMetadata().getResourceVersion());
      assertThat(replaced.getMetadata().getGeneration()).isEqualTo(1L);
      assertThat(replaced.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34"})
  void aJobGetsItsDefaultsAndAGeneratedSelector(String version) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      BatchV1Api batch = new BatchV1Api(sim.apiClient());
      V1Job job =
          new V1Job()
              .metadata(new V1ObjectMeta().name("j"))
              .spec(
                  new V1JobSpec()
                      .template(
                          new V1PodTemplateSpec()
                              .spec(
                                  new V1PodSpec()
                                      .restartPolicy("Never")
                                      .addContainersItem(
                                          new V1Container().name("a").image("busybox")))));
      V1Job created = batch.createNamespacedJob("default", job).execute();
      V1JobSpec spec = created.getSpec();
      assertThat(spec.getCompletions()).isEqualTo(1);
      assertThat(spec.getParallelism()).isEqualTo(1);
      assertThat(spec.getBackoffLimit()).isEqualTo(6);
      assertThat(spec.getCompletionMode()).isEqualTo("NonIndexed");
      assertThat(spec.getSuspend()).isFalse();
      assertThat(spec.getManualSelector()).isFalse();
      // JobPodReplacementPolicy is on by default from 1.29.
      assertThat(spec.getPodReplacementPolicy()).isEqualTo("TerminatingOrFailed");
      String uid = created.getMetadata().getUid();
      assertThat(spec.getSelector().getMatchLabels())
          .containsExactly(Map.entry("batch.kubernetes.io/controller-uid", uid));
      assertThat(spec.getTemplate().getMetadata().getLabels())
          .containsEntry("controller-uid", uid)
          .containsEntry("batch.kubernetes.io/job-name", "j")
          .containsEntry("job-name", "j");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34"})
  void servicesNamespacesSecretsAndClaimsAreDefaulted(String version) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      CoreV1Api core = new CoreV1Api(sim.apiClient());
      V1Service svc =
          core.createNamespacedService(
                  "default",
                  new V1Service()
                      .metadata(new V1ObjectMeta().name("s"))
                      .spec(
                          new V1ServiceSpec()
                              .selector(Map.of("app", "a"))
                              .addPortsItem(new V1ServicePort().port(8080))))
              .execute();
      assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
      assertThat(svc.getSpec().getSessionAffinity()).isEqualTo("None");
      assertThat(svc.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
      assertThat(svc.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
      assertThat(svc.getSpec().getPorts().get(0).getTargetPort()).isEqualTo(new IntOrString(8080));

      V1Namespace ns =
          core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("team")))
              .execute();
      assertThat(ns.getMetadata().getLabels())
          .containsExactly(Map.entry("kubernetes.io/metadata.name", "team"));
      assertThat(ns.getSpec().getFinalizers()).containsExactly("kubernetes");
      assertThat(ns.getStatus().getPhase()).isEqualTo("Active");

      V1Secret secret =
          core.createNamespacedSecret(
                  "default", new V1Secret().metadata(new V1ObjectMeta().name("s")))
              .execute();
      assertThat(secret.getType()).isEqualTo("Opaque");

      V1PersistentVolumeClaim claim =
          core.createNamespacedPersistentVolumeClaim(
                  "default",
                  new V1PersistentVolumeClaim()
                      .metadata(new V1ObjectMeta().name("c"))
                      .spec(
                          new V1PersistentVolumeClaimSpec()
                              .accessModes(List.of("ReadWriteOnce"))
                              .resources(
                                  new V1VolumeResourceRequirements()
                                      .requests(Map.of("storage", Quantity.fromString("1Gi"))))))
              .execute();
      assertThat(claim.getSpec().getVolumeMode()).isEqualTo("Filesystem");
      assertThat(claim.getStatus().getPhase()).isEqualTo("Pending");
    }
  }

  /** A dry run answers the defaulted object and stores nothing. */
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34"})
  void aDryRunAnswersTheDefaultedObject(String version) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      Wire.Reply r =
          new Wire(sim)
              .post(
                  "/api/v1/namespaces/default/pods?dryRun=All",
                  DefaultingOnRealServerTest.pod("dry"));
      assertThat(r.code).isEqualTo(201);
      assertThat(r.json().getAsJsonObject("spec").get("restartPolicy").getAsString())
          .isEqualTo("Always");
      assertThat(sim.get(sim.resource("v1", "pods"), "default", "dry")).isNull();
    }
  }

  /**
   * Go's encoding/json writes an embedded template's zero creationTimestamp as null until 1.34,
   * when the field gained omitzero (k8s.io/apimachinery ObjectMeta).
   */
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.33", "1.34", "1.36"})
  void aTemplatesZeroCreationTimestampIsNullBefore134(String version) throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
      Wire.Reply r =
          new Wire(sim)
              .post(
                  "/apis/apps/v1/namespaces/default/deployments",
                  DefaultingOnRealServerTest.workload("d", ""));
      assertThat(r.code).isEqualTo(201);
      com.google.gson.JsonObject meta =
          r.json().getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("metadata");
      if (Integer.parseInt(version.substring(2)) < 34) {
        assertThat(meta.has("creationTimestamp")).isTrue();
        assertThat(meta.get("creationTimestamp").isJsonNull()).isTrue();
      } else {
        assertThat(meta.has("creationTimestamp")).isFalse();
      }
    }
  }

  /**
   * A custom resource that shares a built-in's kind, in a group that starts like the built-in's, is
   * neither given the built-in's defaults nor pruned to the built-in's fields.
   */
  @org.junit.jupiter.api.Test
  void aCustomResourceIsNotDefaultedAsTheBuiltInOfTheSameKind() throws Exception {
    ResourceType custom =
        ResourceType.namespaced("apps.example.com", "v1", "deployments", "Deployment");
    try (KubeSim sim = KubeSim.builder().register(custom).build()) {
      Wire.Reply r =
          new Wire(sim)
              .post(
                  "/apis/apps.example.com/v1/namespaces/default/deployments",
                  "{\"apiVersion\":\"apps.example.com/v1\",\"kind\":\"Deployment\","
                      + "\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":1,\"size\":3}}");
      assertThat(r.code).isEqualTo(201);
      assertThat(r.json().getAsJsonObject("spec").keySet()).containsExactly("replicas", "size");
      assertThat(r.json().has("status")).isFalse();
    }
  }

  private static V1Deployment deployment() {
    return new V1Deployment()
        .metadata(new V1ObjectMeta().name("d"))
        .spec(
            new V1DeploymentSpec()
                .selector(new V1LabelSelector().matchLabels(Map.of("app", "d")))
                .template(
                    new V1PodTemplateSpec()
                        .metadata(new V1ObjectMeta().labels(Map.of("app", "d")))
                        .spec(
                            new V1PodSpec()
                                .addContainersItem(new V1Container().name("a").image("busybox")))));
  }
}
