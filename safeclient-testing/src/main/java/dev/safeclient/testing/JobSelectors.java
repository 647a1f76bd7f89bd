package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Job's selector: the one the job strategy generates when the client does not ask for a manual
 * selector (pkg/registry/batch/job/strategy.go {@code generateSelector}: the template gets {@code
 * controller-uid} and {@code job-name} labels, old and {@code batch.kubernetes.io/} prefixed, and
 * the selector {@code batch.kubernetes.io/controller-uid=<uid>}), and the validation of it
 * (pkg/apis/batch/validation {@code validateGeneratedSelector}, and {@code ValidateJobSpec}'s
 * "selector does not match template labels").
 */
final class JobSelectors {
  static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  static final String JOB_NAME = "batch.kubernetes.io/job-name";
  static final String LEGACY_CONTROLLER_UID = "controller-uid";
  static final String LEGACY_JOB_NAME = "job-name";

  private JobSelectors() {}

  static boolean isJobs(ResourceType t) {
    return t.group().equals("batch") && t.plural().equals("jobs");
  }

  /** generateSelectorIfNeeded: on create, unless {@code spec.manualSelector} is true. */
  static void generate(JsonObject job) {
    JsonObject spec = child(job, "spec");
    if (manual(spec)) {
      return;
    }
    JsonObject meta = child(job, "metadata");
    String uid = StoredObject.string(meta, "uid");
    String name = StoredObject.string(meta, "name");
    JsonObject labels = child(child(child(spec, "template"), "metadata"), "labels");
    for (String key : new String[] {LEGACY_JOB_NAME, JOB_NAME}) {
      if (!labels.has(key)) {
        labels.addProperty(key, name);
      }
    }
    for (String key : new String[] {LEGACY_CONTROLLER_UID, CONTROLLER_UID}) {
      if (!labels.has(key)) {
        labels.addProperty(key, uid);
      }
    }
    JsonObject matchLabels = child(child(spec, "selector"), "matchLabels");
    if (!matchLabels.has(CONTROLLER_UID)) {
      matchLabels.addProperty(CONTROLLER_UID, uid);
    }
  }

  /**
   * Whether validation requires the prefixed labels: always for a new Job; on update only if the
   * old Job's template had both (the strategy's {@code validationOptionsForJob}).
   */
  static boolean requirePrefixedLabels(JsonObject old) {
    if (old == null) {
      return true;
    }
    JsonElement labels = at(old, "spec", "template", "metadata", "labels");
    return labels instanceof JsonObject l && l.has(JOB_NAME) && l.has(CONTROLLER_UID);
  }

  /**
   * ValidateJob's selector errors, in its order, with values printed as release 1.{@code minor}.
   */
  static List<Validation.FieldError> validate(JsonObject job, boolean prefixed, int minor) {
    List<Validation.FieldError> errs = new ArrayList<>(generated(job, prefixed, minor));
    errs.addAll(specSelector(job, minor));
    return errs;
  }

  /** validateGeneratedSelector. */
  private static List<Validation.FieldError> generated(
      JsonObject job, boolean prefixed, int minor) {
    JsonObject spec = child(job, "spec");
    JsonElement selector = spec.get("selector");
    if (manual(spec) || !(selector instanceof JsonObject)) {
      return List.of();
    }
    JsonObject meta = child(job, "metadata");
    String uid = StoredObject.string(meta, "uid");
    String name = StoredObject.string(meta, "name");
    JsonElement labelsElement = at(job, "spec", "template", "metadata", "labels");
    JsonObject labels = labelsElement instanceof JsonObject l ? l : new JsonObject();
    List<Validation.FieldError> errs = new ArrayList<>();
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(LEGACY_CONTROLLER_UID, uid);
    expected.put(LEGACY_JOB_NAME, name);
    if (prefixed) {
      expected.put(CONTROLLER_UID, uid);
      expected.put(JOB_NAME, name);
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      hasLabel(labelsElement, labels, e.getKey(), e.getValue(), minor, errs);
    }
    if (!LabelSelectors.matches(selector.getAsJsonObject(), expected)) {
      errs.add(
          new Validation.FieldError(
              "spec.selector",
              "FieldValueInvalid",
              "Invalid value: "
                  + GoSyntax.labelSelector(selector, minor)
                  + ": `selector` not auto-generated"));
    }
    return errs;
  }

  /** ValidateHasLabel (pkg/apis/core/validation). */
  private static void hasLabel(
      JsonElement shown,
      JsonObject labels,
      String key,
      String value,
      int minor,
      List<Validation.FieldError> errs) {
    String field = "spec.template.metadata.labels[" + key + "]";
    if (!labels.has(key)) {
      errs.add(
          new Validation.FieldError(
              field, "FieldValueRequired", "Required value: must be '" + value + "'"));
    } else if (!labels.get(key).getAsString().equals(value)) {
      errs.add(
          new Validation.FieldError(
              field,
              "FieldValueInvalid",
              "Invalid value: " + GoSyntax.stringMap(shown, minor) + ": must be '" + value + "'"));
    }
  }

  /** ValidateJobSpec's selector checks: one is required, and it must select the template. */
  static List<Validation.FieldError> specSelector(JsonObject job, int minor) {
    JsonElement selector = at(job, "spec", "selector");
    if (!(selector instanceof JsonObject s)) {
      return List.of(
          new Validation.FieldError("spec.selector", "FieldValueRequired", "Required value"));
    }
    JsonElement labels = at(job, "spec", "template", "metadata", "labels");
    Map<String, String> set = new LinkedHashMap<>();
    if (labels instanceof JsonObject l) {
      l.entrySet().forEach(e -> set.put(e.getKey(), e.getValue().getAsString()));
    }
    if (LabelSelectors.matches(s, set)) {
      return List.of();
    }
    return List.of(
        new Validation.FieldError(
            "spec.template.metadata.labels",
            "FieldValueInvalid",
            "Invalid value: "
                + GoSyntax.stringMap(labels, minor)
                + ": `selector` does not match template `labels`"));
  }

  private static boolean manual(JsonObject spec) {
    JsonElement m = spec.get("manualSelector");
    return m != null && m.isJsonPrimitive() && m.getAsBoolean();
  }

  /** A child object, created (and attached) when absent. */
  private static JsonObject child(JsonObject o, String field) {
    if (o.get(field) instanceof JsonObject c) {
      return c;
    }
    JsonObject c = new JsonObject();
    o.add(field, c);
    return c;
  }

  private static JsonElement at(JsonObject o, String... path) {
    JsonElement e = o;
    for (String step : path) {
      e = e instanceof JsonObject j ? j.get(step) : null;
    }
    return e == null || e.isJsonNull() ? null : e;
  }
}
