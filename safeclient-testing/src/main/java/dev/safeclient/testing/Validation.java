package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Update validation a real apiserver applies to the fields it never lets change
 * (pkg/apis/core/validation and pkg/apis/{apps,batch}/validation, ValidateXxxUpdate), answered as
 * errors.NewInvalid: 422 Invalid with one cause per field. The messages are those of field.Invalid
 * / field.Forbidden, with values printed as the release prints them ({@link GoSyntax}); a value
 * whose Go type has pointers (a Job's template) is printed as its JSON.
 */
final class Validation {
  /** apivalidation.FieldImmutableErrorMsg. */
  static final String IMMUTABLE = "field is immutable";

  private static final String IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";

  /** The head of ValidatePodUpdate's message (the real one goes on with a diff of the specs). */
  static final String POD_UPDATE =
      "pod updates may not change fields other than `spec.containers[*].image`,"
          + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only"
          + " additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to"
          + " be set to 1 if it was previously negative)";

  private Validation() {}

  /**
   * The 422 for an update of {@code old} to {@code next} on a server of minor version {@code minor}
   * (which decides how a value is printed: {@link GoSyntax}), or null if it is allowed.
   */
  static Answer immutableFields(
      ResourceType t, String name, JsonObject old, JsonObject next, int minor) {
    String kindKey = t.group() + "/" + t.plural();
    switch (kindKey) {
      case "/configmaps":
      case "/secrets":
        if (Boolean.TRUE.equals(bool(old, "immutable"))) {
          // ValidateConfigMapUpdate / ValidateSecretUpdate.
          if (!Boolean.TRUE.equals(bool(next, "immutable"))) {
            return forbidden(t, name, "immutable", IMMUTABLE_WHEN_SET);
          }
          if (!same(old.get("data"), next.get("data"))) {
            return forbidden(t, name, "data", IMMUTABLE_WHEN_SET);
          }
          if (!same(old.get("binaryData"), next.get("binaryData"))) {
            return forbidden(t, name, "binaryData", IMMUTABLE_WHEN_SET);
          }
        }
        if (t.plural().equals("secrets")
            && old.has("type")
            && next.has("type")
            && !old.get("type").equals(next.get("type"))) {
          return invalid(t, name, "type", next.get("type"), IMMUTABLE);
        }
        return null;
      case "/services":
        {
          // ValidateServiceUpdate: a set clusterIP may not change.
          JsonElement before = at(old, "spec", "clusterIP");
          JsonElement after = at(next, "spec", "clusterIP");
          if (before != null
              && after != null
              && !before.getAsString().isEmpty()
              && !after.getAsString().isEmpty()
              && !before.equals(after)) {
            return invalid(t, name, "spec.clusterIP", after, "may not change once set");
          }
          return null;
        }
      case "apps/deployments":
      case "apps/replicasets":
      case "apps/daemonsets":
        {
          // ValidateImmutableField(newSpec.Selector, oldSpec.Selector, "spec.selector").
          JsonElement before = at(old, "spec", "selector");
          JsonElement after = at(next, "spec", "selector");
          if (before != null && !same(before, after)) {
            return invalidStatus(
                t,
                name,
                "spec.selector",
                "FieldValueInvalid",
                "Invalid value: " + GoSyntax.labelSelector(after, minor) + ": " + IMMUTABLE);
          }
          return null;
        }
      case "apps/statefulsets":
        return errors(t, name, statefulSetUpdate(old, next));
      case "batch/jobs":
        {
          // jobStrategy.ValidateUpdate: ValidateJob of the new Job, then ValidateJobUpdate
          // (whose ValidateJobSpec repeats the selector match).
          List<FieldError> errs =
              new ArrayList<>(
                  JobSelectors.validate(next, JobSelectors.requirePrefixedLabels(old), minor));
          errs.addAll(JobSelectors.specSelector(next, minor));
          errs.addAll(jobSpecUpdate(old, next, minor));
          return errors(t, name, errs);
        }
      case "/pods":
        return errors(t, name, podUpdate(old, next, minor));
      default:
        return null;
    }
  }

  /** One field.Error: its field path, cause reason, and the message after the path. */
  record FieldError(String field, String reason, String detail) {
    static FieldError invalid(String field, JsonElement value, String why) {
      return new FieldError(
          field, "FieldValueInvalid", "Invalid value: " + shown(value) + ": " + why);
    }

    static FieldError forbidden(String field, String why) {
      return new FieldError(field, "FieldValueForbidden", "Forbidden: " + why);
    }
  }

  /** The statefulset strategy's fields an update may change (ValidateStatefulSetUpdate). */
  private static final List<String> STATEFULSET_MUTABLE =
      List.of(
          "replicas",
          "ordinals",
          "template",
          "updateStrategy",
          "revisionHistoryLimit",
          "persistentVolumeClaimRetentionPolicy",
          "minReadySeconds");

  /**
   * ValidateStatefulSetUpdate (pkg/apis/apps/validation): the new spec with its mutable fields
   * taken from the old one must equal the old spec.
   */
  static List<FieldError> statefulSetUpdate(JsonObject old, JsonObject next) {
    JsonObject before = spec(old);
    JsonObject after = spec(next).deepCopy();
    for (String f : STATEFULSET_MUTABLE) {
      after.remove(f);
      if (before.has(f)) {
        after.add(f, before.get(f));
      }
    }
    // SetDefaults_StatefulSet: an absent podManagementPolicy is OrderedReady.
    defaultTo(before = before.deepCopy(), "podManagementPolicy", "OrderedReady");
    defaultTo(after, "podManagementPolicy", "OrderedReady");
    if (same(before, after)) {
      return List.of();
    }
    return List.of(
        FieldError.forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals',"
                + " 'template', 'updateStrategy', 'revisionHistoryLimit',"
                + " 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }

  /**
   * ValidateJobSpecUpdate (pkg/apis/batch/validation): completions (elastic only for Indexed jobs,
   * in tandem with parallelism), selector, template (its scheduling directives mutable while the
   * job is suspended and never started: validatePodTemplateUpdate with the strategy's
   * AllowMutableSchedulingDirectives), completionMode, podFailurePolicy, backoffLimitPerIndex,
   * managedBy and successPolicy.
   */
  static List<FieldError> jobSpecUpdate(JsonObject old, JsonObject next, int minor) {
    List<FieldError> errs = new ArrayList<>();
    JsonObject before = spec(old);
    JsonObject after = spec(next);
    if (!same(before.get("completions"), after.get("completions"))) {
      boolean indexed = "Indexed".equals(string(after, "completionMode"));
      JsonElement completions = after.get("completions");
      if (!indexed) {
        errs.add(FieldError.invalid("spec.completions", completions, IMMUTABLE));
      } else if (completions != null
          && !completions.isJsonNull()
          && !same(completions, after.get("parallelism"))) {
        errs.add(
            FieldError.invalid(
                "spec.completions",
                completions,
                "can only be modified in tandem with spec.parallelism"));
      }
    }
    if (!same(before.get("selector"), after.get("selector"))) {
      errs.add(
          new FieldError(
              "spec.selector",
              "FieldValueInvalid",
              "Invalid value: "
                  + GoSyntax.labelSelector(after.get("selector"), minor)
                  + ": "
                  + IMMUTABLE));
    }
    JsonObject oldTemplate = object(before, "template").deepCopy();
    JsonObject template = object(after, "template");
    boolean suspended = Boolean.TRUE.equals(bool(before, "suspend"));
    boolean notStarted = !object(old, "status").has("startTime");
    if (suspended && notStarted) {
      JsonObject oldPodSpec = object(oldTemplate, "spec");
      JsonObject podSpec = object(template, "spec");
      JsonObject oldAffinity = object(oldPodSpec, "affinity");
      JsonObject affinity = object(podSpec, "affinity");
      oldAffinity.remove("nodeAffinity");
      if (affinity.has("nodeAffinity")) {
        oldAffinity.add("nodeAffinity", affinity.get("nodeAffinity"));
      }
      if (!podSpec.has("affinity") && oldAffinity.isEmpty()) {
        oldPodSpec.remove("affinity");
      } else {
        oldPodSpec.add("affinity", oldAffinity);
      }
      copy(podSpec, oldPodSpec, "nodeSelector");
      copy(podSpec, oldPodSpec, "tolerations");
      copy(podSpec, oldPodSpec, "schedulingGates");
      oldTemplate.add("spec", oldPodSpec);
      JsonObject oldMeta = object(oldTemplate, "metadata");
      copy(object(template, "metadata"), oldMeta, "annotations");
      copy(object(template, "metadata"), oldMeta, "labels");
      oldTemplate.add("metadata", oldMeta);
    }
    if (!same(oldTemplate, template)) {
      errs.add(FieldError.invalid("spec.template", template, IMMUTABLE));
    }
    // SetDefaults_Job: an absent completionMode is NonIndexed.
    JsonElement mode = after.has("completionMode") ? after.get("completionMode") : null;
    JsonElement oldMode = before.has("completionMode") ? before.get("completionMode") : null;
    if (!Objects.equals(
        mode == null ? "NonIndexed" : mode.getAsString(),
        oldMode == null ? "NonIndexed" : oldMode.getAsString())) {
      errs.add(FieldError.invalid("spec.completionMode", mode, IMMUTABLE));
    }
    for (String f :
        new String[] {"podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"}) {
      if (!same(before.get(f), after.get(f))) {
        errs.add(FieldError.invalid("spec." + f, after.get(f), IMMUTABLE));
      }
    }
    return errs;
  }

  /**
   * ValidatePodUpdate (pkg/apis/core/validation): activeDeadlineSeconds may be set or lowered,
   * never raised or unset; tolerations only added to (validateOnlyAddedTolerations); scheduling
   * gates only removed (validateOnlyDeletedSchedulingGates); and the spec with its mutable fields
   * taken from the old one (images, activeDeadlineSeconds, tolerations, scheduling gates, a
   * negative terminationGracePeriodSeconds set to 1, and a gated pod's nodeSelector and affinity)
   * must equal the old spec.
   */
  static List<FieldError> podUpdate(JsonObject old, JsonObject next, int minor) {
    JsonObject before = spec(old);
    JsonObject after = spec(next);
    JsonElement deadline = after.get("activeDeadlineSeconds");
    JsonElement oldDeadline = before.get("activeDeadlineSeconds");
    if (deadline != null && !deadline.isJsonNull()) {
      long d = deadline.getAsLong();
      if (d < 0 || d > Integer.MAX_VALUE) {
        return List.of(
            FieldError.invalid(
                "spec.activeDeadlineSeconds",
                deadline,
                "must be between 0 and " + Integer.MAX_VALUE + ", inclusive"));
      }
      if (oldDeadline != null && !oldDeadline.isJsonNull() && oldDeadline.getAsLong() < d) {
        return List.of(
            FieldError.invalid(
                "spec.activeDeadlineSeconds",
                deadline,
                "must be less than or equal to previous value"));
      }
    } else if (oldDeadline != null && !oldDeadline.isJsonNull()) {
      return List.of(
          FieldError.invalid(
              "spec.activeDeadlineSeconds",
              null,
              "must not update from a positive integer to nil value"));
    }
    List<FieldError> errs = new ArrayList<>();
    List<JsonElement> tolerations = list(after, "tolerations");
    for (JsonElement was : list(before, "tolerations")) {
      boolean found = false;
      for (JsonElement now : tolerations) {
        JsonObject clone = was.getAsJsonObject().deepCopy();
        clone.remove("tolerationSeconds");
        JsonObject cmp = now.getAsJsonObject().deepCopy();
        cmp.remove("tolerationSeconds");
        found |= same(clone, cmp);
      }
      if (!found) {
        errs.add(
            FieldError.forbidden(
                "spec.tolerations",
                "existing toleration can not be modified except its tolerationSeconds"));
        break;
      }
    }
    List<JsonElement> gates = list(after, "schedulingGates");
    java.util.Set<String> oldGates = new java.util.HashSet<>();
    list(before, "schedulingGates").forEach(g -> oldGates.add(string(g.getAsJsonObject(), "name")));
    for (int i = 0; i < gates.size(); i++) {
      String gate = string(gates.get(i).getAsJsonObject(), "name");
      if (!oldGates.contains(gate)) {
        errs.add(
            FieldError.forbidden(
                "spec.schedulingGates[" + i + "].name",
                "only deletion is allowed, but found new scheduling gate '" + gate + "'"));
      }
    }
    JsonObject munged = withoutPodDefaults(after);
    JsonObject original = withoutPodDefaults(before);
    for (String list : new String[] {"containers", "initContainers"}) {
      List<JsonElement> now = list(munged, list);
      List<JsonElement> was = list(original, list);
      for (int i = 0; i < now.size() && i < was.size(); i++) {
        now.get(i).getAsJsonObject().remove("image");
        was.get(i).getAsJsonObject().remove("image");
      }
    }
    for (String f : new String[] {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
      munged.remove(f);
      original.remove(f);
    }
    JsonElement grace = original.get("terminationGracePeriodSeconds");
    if (grace != null
        && grace.getAsLong() < 0
        && munged.has("terminationGracePeriodSeconds")
        && munged.get("terminationGracePeriodSeconds").getAsLong() == 1) {
      munged.add("terminationGracePeriodSeconds", grace);
    }
    if (!list(before, "schedulingGates").isEmpty()) {
      gatedPodSchedulingDirectives(before, munged, errs, minor);
    }
    if (!same(munged, original)) {
      errs.add(FieldError.forbidden("spec", POD_UPDATE));
    }
    return errs;
  }

  private static final String TERMS =
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";

  /**
   * A gated pod's scheduling directives may only be narrowed (ValidatePodUpdate's {@code
   * podIsGated} branch): nodeSelector entries only added ({@code validateNodeSelectorMutation}); a
   * required node affinity that has terms keeps their number, and each term's match expressions and
   * fields are only added to ({@code validateNodeAffinityMutation}); then both are taken from the
   * old spec for the final comparison, as the munging there does.
   */
  private static void gatedPodSchedulingDirectives(
      JsonObject before, JsonObject munged, List<FieldError> errs, int minor) {
    JsonElement oldSelector = before.get("nodeSelector");
    JsonElement selector = munged.get("nodeSelector");
    if (!same(selector, oldSelector)) {
      JsonObject now = selector instanceof JsonObject o ? o : new JsonObject();
      for (var e : object(before, "nodeSelector").entrySet()) {
        if (!e.getValue().equals(now.get(e.getKey()))) {
          errs.add(
              new FieldError(
                  "spec.nodeSelector",
                  "FieldValueInvalid",
                  "Invalid value: "
                      + GoSyntax.stringMap(selector, minor)
                      + ": only additions to spec.nodeSelector are allowed (no mutations or"
                      + " deletions)"));
          break;
        }
      }
      copy(before, munged, "nodeSelector");
    }
    JsonElement oldAffinity = before.get("affinity");
    JsonElement oldNodeAffinity = at(before, "affinity", "nodeAffinity");
    JsonElement affinity = munged.get("affinity");
    boolean hasAffinity = affinity instanceof JsonObject;
    JsonElement nodeAffinity = at(munged, "affinity", "nodeAffinity");
    if (same(oldNodeAffinity, nodeAffinity)) {
      return;
    }
    errs.addAll(nodeAffinityMutation(nodeAffinity, oldNodeAffinity, minor));
    if (!hasAffinity && oldNodeAffinity == null) {
      return;
    }
    if (!hasAffinity) {
      JsonObject a = new JsonObject();
      a.add("nodeAffinity", oldNodeAffinity);
      munged.add("affinity", a);
    } else if ((oldAffinity == null || oldAffinity.isJsonNull())
        && at(munged, "affinity", "podAffinity") == null
        && at(munged, "affinity", "podAntiAffinity") == null) {
      munged.remove("affinity");
    } else {
      JsonObject a = affinity.getAsJsonObject().deepCopy();
      a.remove("nodeAffinity");
      if (oldNodeAffinity != null) {
        a.add("nodeAffinity", oldNodeAffinity);
      }
      munged.add("affinity", a);
    }
  }

  /** validateNodeAffinityMutation (pkg/apis/core/validation). */
  private static List<FieldError> nodeAffinityMutation(
      JsonElement nodeAffinity, JsonElement oldNodeAffinity, int minor) {
    JsonElement oldRequired =
        oldNodeAffinity instanceof JsonObject o
            ? o.get("requiredDuringSchedulingIgnoredDuringExecution")
            : null;
    if (!(oldRequired instanceof JsonObject)) {
      return List.of();
    }
    List<JsonElement> oldTerms = list(oldRequired.getAsJsonObject(), "nodeSelectorTerms");
    JsonElement required =
        nodeAffinity instanceof JsonObject n
            ? n.get("requiredDuringSchedulingIgnoredDuringExecution")
            : null;
    JsonElement newTermList = required instanceof JsonObject r ? r.get("nodeSelectorTerms") : null;
    List<JsonElement> newTerms =
        required instanceof JsonObject r ? list(r, "nodeSelectorTerms") : List.of();
    if (!oldTerms.isEmpty() && oldTerms.size() != newTerms.size()) {
      return List.of(
          new FieldError(
              TERMS,
              "FieldValueInvalid",
              "Invalid value: "
                  + GoSyntax.nodeSelectorTerms(newTermList, minor)
                  + ": no additions/deletions to non-empty NodeSelectorTerms list are allowed"));
    }
    List<FieldError> errs = new ArrayList<>();
    for (int i = 0; i < oldTerms.size(); i++) {
      if (!termHasOnlyAdditions(
          newTerms.get(i).getAsJsonObject(), oldTerms.get(i).getAsJsonObject())) {
        errs.add(
            new FieldError(
                TERMS + "[" + i + "]",
                "FieldValueInvalid",
                "Invalid value: "
                    + GoSyntax.nodeSelectorTerm(newTerms.get(i), minor)
                    + ": only additions are allowed (no mutations or deletions)"));
      }
    }
    return errs;
  }

  /** validateNodeSelectorTermHasOnlyAdditions. */
  private static boolean termHasOnlyAdditions(JsonObject term, JsonObject oldTerm) {
    List<JsonElement> oldExpressions = list(oldTerm, "matchExpressions");
    List<JsonElement> oldFields = list(oldTerm, "matchFields");
    if (oldExpressions.isEmpty()
        && oldFields.isEmpty()
        && (!list(term, "matchExpressions").isEmpty() || !list(term, "matchFields").isEmpty())) {
      return false;
    }
    for (String f : new String[] {"matchExpressions", "matchFields"}) {
      List<JsonElement> was = list(oldTerm, f);
      List<JsonElement> now = list(term, f);
      if (now.size() < was.size()) {
        return false;
      }
      for (int i = 0; i < was.size(); i++) {
        if (!same(was.get(i), now.get(i))) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A pod spec without the values SetDefaults_PodSpec and SetDefaults_Container would fill in:
   * KubeSim does not default, so a client sending a default explicitly changes nothing.
   */
  private static JsonObject withoutPodDefaults(JsonObject spec) {
    JsonObject s = spec.deepCopy();
    dropIf(s, "restartPolicy", "Always");
    dropIf(s, "dnsPolicy", "ClusterFirst");
    dropIf(s, "schedulerName", "default-scheduler");
    dropIf(s, "terminationGracePeriodSeconds", "30");
    dropIf(s, "enableServiceLinks", "true");
    for (String list : new String[] {"containers", "initContainers"}) {
      for (JsonElement c : list(s, list)) {
        JsonObject o = c.getAsJsonObject();
        dropIf(o, "terminationMessagePath", "/dev/termination-log");
        dropIf(o, "terminationMessagePolicy", "File");
        String image = string(o, "image");
        boolean latest = !image.contains(":") || image.endsWith(":latest");
        dropIf(o, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
      }
    }
    return s;
  }

  private static void dropIf(JsonObject o, String field, String defaultValue) {
    JsonElement v = o.get(field);
    if (v != null && v.isJsonPrimitive() && v.getAsString().equals(defaultValue)) {
      o.remove(field);
    }
  }

  private static void defaultTo(JsonObject o, String field, String value) {
    if (!o.has(field) || o.get(field).isJsonNull()) {
      o.addProperty(field, value);
    }
  }

  private static void copy(JsonObject from, JsonObject to, String field) {
    to.remove(field);
    if (from.has(field)) {
      to.add(field, from.get(field));
    }
  }

  private static JsonObject spec(JsonObject o) {
    return object(o, "spec");
  }

  /** A child object, or a new empty one (not attached) when absent. */
  private static JsonObject object(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
  }

  private static List<JsonElement> list(JsonObject o, String field) {
    JsonElement e = o.get(field);
    List<JsonElement> out = new ArrayList<>();
    if (e != null && e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        if (x.isJsonObject()) {
          out.add(x);
        }
      }
    }
    return out;
  }

  private static String string(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || !e.isJsonPrimitive() ? "" : e.getAsString();
  }

  /** Go's %v of a field.Invalid value; KubeSim prints a struct as its JSON. */
  private static String shown(JsonElement value) {
    return value == null || value.isJsonNull() ? "null" : value.toString();
  }

  /** errors.NewInvalid over several field errors (one cause each), or null if none. */
  static Answer errors(ResourceType t, String name, List<FieldError> errs) {
    if (errs.isEmpty()) {
      return null;
    }
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!t.group().isEmpty()) {
      d.addProperty("group", t.group());
    }
    d.addProperty("kind", t.kind());
    JsonArray causes = new JsonArray();
    List<String> messages = new ArrayList<>();
    for (FieldError e : errs) {
      JsonObject cause = new JsonObject();
      cause.addProperty("reason", e.reason());
      cause.addProperty("message", e.detail());
      cause.addProperty("field", e.field());
      causes.add(cause);
      messages.add(e.field() + ": " + e.detail());
    }
    d.add("causes", causes);
    // field.ErrorList.ToAggregate: duplicate messages once, one error as it is, several in
    // brackets (the causes keep every error).
    messages = new ArrayList<>(new java.util.LinkedHashSet<>(messages));
    String aggregate =
        messages.size() == 1 ? messages.get(0) : "[" + String.join(", ", messages) + "]";
    String kind = t.group().isEmpty() ? t.kind() : t.kind() + "." + t.group();
    return status(422, "Invalid", kind + " \"" + name + "\" is invalid: " + aggregate, d);
  }

  /**
   * Whether two JSON values decode to the same Go value: nulls, empty lists and empty objects are
   * what an omitempty field encodes as absent (client-java sends {@code "matchExpressions":[]}).
   */
  static boolean same(JsonElement a, JsonElement b) {
    return Objects.equals(normalize(a), normalize(b));
  }

  private static JsonElement normalize(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonArray()) {
      JsonArray out = new JsonArray();
      for (JsonElement x : e.getAsJsonArray()) {
        JsonElement n = normalize(x);
        out.add(n == null ? com.google.gson.JsonNull.INSTANCE : n);
      }
      return out.isEmpty() ? null : out;
    }
    if (e.isJsonObject()) {
      JsonObject out = new JsonObject();
      for (var entry : e.getAsJsonObject().entrySet()) {
        JsonElement n = normalize(entry.getValue());
        if (n != null) {
          out.add(entry.getKey(), n);
        }
      }
      return out.isEmpty() ? null : out;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isEmpty()) {
      return null; // an omitempty string
    }
    return e;
  }

  private static Boolean bool(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || !e.isJsonPrimitive() ? null : e.getAsBoolean();
  }

  private static JsonElement at(JsonObject o, String a, String b) {
    JsonElement e = o.get(a);
    if (e == null || !e.isJsonObject()) {
      return null;
    }
    JsonElement v = e.getAsJsonObject().get(b);
    return v == null || v.isJsonNull() ? null : v;
  }

  private static Answer forbidden(ResourceType t, String name, String field, String detail) {
    return invalidStatus(t, name, field, "FieldValueForbidden", "Forbidden: " + detail);
  }

  private static Answer invalid(
      ResourceType t, String name, String field, JsonElement value, String detail) {
    String shown =
        value == null ? "null" : value.isJsonPrimitive() ? value.toString() : value.toString();
    return invalidStatus(
        t, name, field, "FieldValueInvalid", "Invalid value: " + shown + ": " + detail);
  }

  /** errors.NewInvalid(qualifiedKind, name, errs). */
  static Answer invalidStatus(
      ResourceType t, String name, String field, String reason, String message) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!t.group().isEmpty()) {
      d.addProperty("group", t.group());
    }
    d.addProperty("kind", t.kind());
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", reason);
    cause.addProperty("message", message);
    cause.addProperty("field", field);
    causes.add(cause);
    d.add("causes", causes);
    String kind = t.group().isEmpty() ? t.kind() : t.kind() + "." + t.group();
    return status(
        422, "Invalid", kind + " \"" + name + "\" is invalid: " + field + ": " + message, d);
  }

  /**
   * A body whose kind is not the path's (handlers/rest transformDecodeError): 400 "Service in
   * version "v1" cannot be handled as a Pod: ...". Null if the kind matches or is absent.
   */
  static Answer kindMismatch(ResourceType t, JsonObject body) {
    String kind = StoredObject.string(body, "kind");
    if (kind.isEmpty() || kind.equals(t.kind())) {
      return null;
    }
    return status(
        400,
        "BadRequest",
        kind
            + " in version \""
            + t.version()
            + "\" cannot be handled as a "
            + t.kind()
            + ": the kind in the body does not match the resource on the URL",
        null);
  }
}
