package dev.safeclient.testing;

import com.google.gson.JsonObject;

/**
 * The defaulting of the workload kinds: apps/v1 ({@code SetDefaults_Deployment}, {@code
 * _StatefulSet}, {@code _DaemonSet}, {@code _ReplicaSet} in k8s.io/kubernetes
 * pkg/apis/apps/v1/defaults.go) and batch/v1 ({@code SetDefaults_Job}, {@code _CronJob} in
 * pkg/apis/batch/v1/defaults.go), each with its pod template's defaults, and the Job strategy's
 * generated selector (pkg/registry/batch/job/strategy.go).
 */
final class WorkloadDefaults {
  private WorkloadDefaults() {}

  static void deployment(JsonObject o) {
    JsonObject spec = Defaulting.object(o, "spec");
    Defaulting.ifAbsent(spec, "replicas", 1);
    JsonObject strategy = Defaulting.object(spec, "strategy");
    Defaulting.stringIfAbsent(strategy, "type", "RollingUpdate");
    if (Defaulting.string(strategy, "type").equals("RollingUpdate")) {
      JsonObject rolling = Defaulting.object(strategy, "rollingUpdate");
      percentIfAbsent(rolling, "maxUnavailable");
      percentIfAbsent(rolling, "maxSurge");
    }
    Defaulting.ifAbsent(spec, "revisionHistoryLimit", 10);
    Defaulting.ifAbsent(spec, "progressDeadlineSeconds", 600);
    PodDefaults.template(spec, "template");
  }

  private static void percentIfAbsent(JsonObject rolling, String key) {
    if (!rolling.has(key) || rolling.get(key).isJsonNull()) {
      rolling.addProperty(key, "25%");
    }
  }

  static void statefulSet(JsonObject o) {
    JsonObject spec = Defaulting.object(o, "spec");
    Defaulting.stringIfAbsent(spec, "podManagementPolicy", "OrderedReady");
    JsonObject strategy = Defaulting.object(spec, "updateStrategy");
    if (Defaulting.string(strategy, "type").isEmpty()) {
      strategy.addProperty("type", "RollingUpdate");
      Defaulting.object(strategy, "rollingUpdate");
    }
    if (Defaulting.string(strategy, "type").equals("RollingUpdate")
        && strategy.get("rollingUpdate") instanceof JsonObject rolling) {
      Defaulting.ifAbsent(rolling, "partition", 0);
    }
    // StatefulSetAutoDeletePVC: beta and on by default from 1.27, GA in 1.32; every simulated
    // release has it.
    JsonObject retention = Defaulting.object(spec, "persistentVolumeClaimRetentionPolicy");
    Defaulting.stringIfAbsent(retention, "whenDeleted", "Retain");
    Defaulting.stringIfAbsent(retention, "whenScaled", "Retain");
    Defaulting.ifAbsent(spec, "replicas", 1);
    Defaulting.ifAbsent(spec, "revisionHistoryLimit", 10);
    PodDefaults.template(spec, "template");
    // The claim templates are PersistentVolumeClaims, defaulted as such.
    for (JsonObject claim : Defaulting.objects(spec, "volumeClaimTemplates")) {
      // The apps/v1 conversion of StatefulSetSpec (pkg/apis/apps/v1/conversion.go) writes each
      // claim template's TypeMeta.
      Defaulting.stringIfAbsent(claim, "apiVersion", "v1");
      Defaulting.stringIfAbsent(claim, "kind", "PersistentVolumeClaim");
      Defaulting.stringIfAbsent(Defaulting.object(claim, "spec"), "volumeMode", "Filesystem");
      Defaulting.stringIfAbsent(Defaulting.object(claim, "status"), "phase", "Pending");
    }
  }

  static void daemonSet(JsonObject o) {
    JsonObject spec = Defaulting.object(o, "spec");
    JsonObject strategy = Defaulting.object(spec, "updateStrategy");
    Defaulting.stringIfAbsent(strategy, "type", "RollingUpdate");
    if (Defaulting.string(strategy, "type").equals("RollingUpdate")) {
      JsonObject rolling = Defaulting.object(strategy, "rollingUpdate");
      Defaulting.ifAbsent(rolling, "maxUnavailable", 1);
      Defaulting.ifAbsent(rolling, "maxSurge", 0);
    }
    Defaulting.ifAbsent(spec, "revisionHistoryLimit", 10);
    PodDefaults.template(spec, "template");
  }

  static void replicaSet(JsonObject o) {
    JsonObject spec = Defaulting.object(o, "spec");
    Defaulting.ifAbsent(spec, "replicas", 1);
    PodDefaults.template(spec, "template");
  }

  /**
   * SetDefaults_Job, then (on create) the strategy's generated selector. {@code
   * podReplacementPolicy} defaults only while the JobPodReplacementPolicy gate is on: beta and on
   * by default from 1.29.
   */
  static void job(JsonObject o, int minor, boolean created) {
    JsonObject spec = Defaulting.object(o, "spec");
    jobSpec(spec, minor);
    JsonObject template = Defaulting.object(spec, "template");
    JsonObject meta = Defaulting.object(o, "metadata");
    boolean labelsFromTemplate =
        template.get("metadata") instanceof JsonObject tm
            && tm.get("labels") instanceof JsonObject
            && (!(meta.get("labels") instanceof JsonObject own) || own.isEmpty());
    if (created && !Defaulting.isTrue(spec, "manualSelector")) {
      generateSelector(o, spec, template);
    }
    if (labelsFromTemplate) {
      // SetDefaults_Job gives the job its template's labels map itself, so the labels the
      // strategy then adds to the template show on the job too.
      meta.add("labels", template.getAsJsonObject("metadata").get("labels").deepCopy());
    }
    PodDefaults.template(spec, "template");
  }

  private static void jobSpec(JsonObject spec, int minor) {
    if (Defaulting.absent(spec, "completions") && Defaulting.absent(spec, "parallelism")) {
      spec.addProperty("completions", 1);
      spec.addProperty("parallelism", 1);
    }
    Defaulting.ifAbsent(spec, "parallelism", 1);
    if (spec.get("podFailurePolicy") instanceof JsonObject policy) {
      for (JsonObject rule : Defaulting.objects(policy, "rules")) {
        for (JsonObject pattern : Defaulting.objects(rule, "onPodConditions")) {
          Defaulting.stringIfAbsent(pattern, "status", "True");
        }
      }
    }
    // BackoffLimitPerIndex (on by default from 1.29) makes the limit per index, the job's
    // unbounded.
    boolean perIndex = !Defaulting.absent(spec, "backoffLimitPerIndex");
    Defaulting.ifAbsent(spec, "backoffLimit", perIndex ? Integer.MAX_VALUE : 6);
    Defaulting.stringIfAbsent(spec, "completionMode", "NonIndexed");
    if (Defaulting.absent(spec, "suspend")) {
      spec.addProperty("suspend", false);
    }
    if (minor >= 29) {
      Defaulting.stringIfAbsent(
          spec,
          "podReplacementPolicy",
          spec.get("podFailurePolicy") instanceof JsonObject ? "Failed" : "TerminatingOrFailed");
    }
  }

  /**
   * jobStrategy.PrepareForCreate's {@code generateSelector}: the pods are selected by the job's
   * uid, under both the legacy and the {@code batch.kubernetes.io/} label names.
   */
  private static void generateSelector(JsonObject o, JsonObject spec, JsonObject template) {
    if (Defaulting.absent(spec, "manualSelector")) {
      spec.addProperty("manualSelector", false);
    }
    JobSelectors.generate(o);
    // encoding/json writes a Go map's keys sorted.
    JsonObject meta = Defaulting.object(template, "metadata");
    JsonObject labels = Defaulting.object(meta, "labels");
    JsonObject sorted = new JsonObject();
    new java.util.TreeMap<>(labels.asMap()).forEach(sorted::add);
    meta.add("labels", sorted);
  }

  static void cronJob(JsonObject o) {
    JsonObject spec = Defaulting.object(o, "spec");
    Defaulting.stringIfAbsent(spec, "concurrencyPolicy", "Allow");
    if (Defaulting.absent(spec, "suspend")) {
      spec.addProperty("suspend", false);
    }
    Defaulting.ifAbsent(spec, "successfulJobsHistoryLimit", 3);
    Defaulting.ifAbsent(spec, "failedJobsHistoryLimit", 1);
    if (spec.get("jobTemplate") instanceof JsonObject jt
        && jt.get("spec") instanceof JsonObject js) {
      PodDefaults.template(js, "template");
    }
  }
}
