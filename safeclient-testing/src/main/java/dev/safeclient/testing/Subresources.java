package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.Verb;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Requests to {@code <resource>/<name>/<subresource>}: {@code status} (the whole object, writes
 * change only its status), {@code scale} (an autoscaling/v1 Scale over spec.replicas), a pod's
 * {@code log} (text) and {@code eviction}. Any other subresource is a 404, as the apiserver's mux
 * has no route for it.
 */
final class Subresources {
  private final KubeSim sim;
  private final Reads reads;
  private final Writes writes;

  Subresources(KubeSim sim, Reads reads, Writes writes) {
    this.sim = sim;
    this.reads = reads;
    this.writes = writes;
  }

  /**
   * The answer for a subresource KubeSim does not serve, or a verb it does not take; null if the
   * request may proceed.
   */
  static Answer refuse(ApiCall c) {
    ApiResource.Subresource s = ApiResource.of(c.type).subresources.get(c.subresource);
    if (s == null || c.name == null) {
      return Answer.of(Status.resourceNotFound());
    }
    if (c.verb == null || !s.verbs().contains(c.verb.apiName())) {
      return status(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
          null);
    }
    return null;
  }

  Answer serve(ApiCall c) {
    switch (c.subresource) {
      case "status":
        // GET .../status answers the whole object; PUT/PATCH change only .status (Writes).
        switch (c.verb) {
          case GET:
            return reads.get(c);
          case UPDATE:
            return writes.update(c, writes.decode(c, c.type.apiVersion(), c.type.kind()));
          default:
            return writes.patch(c);
        }
      case "scale":
        return scale(c);
      case "log":
        return log(c);
      case "eviction":
        return writes.evict(c);
      default:
        return refuse(c);
    }
  }

  private Answer scale(ApiCall c) {
    Answer current = reads.get(c);
    if (current.code != 200) {
      return current;
    }
    JsonObject object = JsonParser.parseString(utf8(current.body)).getAsJsonObject();
    if (c.verb == Verb.GET) {
      return new Answer(200, scaleOf(object));
    }
    JsonObject scale;
    if (c.verb == Verb.UPDATE) {
      scale = writes.decode(c, "autoscaling/v1", "Scale");
      String error = ScaleReplicas.decodeError(scale);
      if (error != null) {
        return FieldValidation.undecodable("Scale", "v1", error);
      }
    } else {
      // The scale subresource takes every patch type of a built-in resource, applied to the
      // Scale the registry's scale storage reads (its patcher runs on the Scale, not the
      // workload), with field validation against autoscaling/v1 Scale.
      FieldValidation.Directive fv = FieldValidation.of(c);
      PatchBody body =
          PatchBody.read(
              c,
              c.request.getHeaders().get(HttpHeader.CONTENT_TYPE),
              writes.schemaOf("autoscaling/v1", "Scale"));
      if (body.refusal() != null) {
        return body.refusal();
      }
      Answer failed = body.applyTo(scaleOf(object));
      if (failed == null) {
        failed = ScaleReplicas.undecodablePatch(body);
      }
      if (failed == null) {
        failed = body.validateFields(fv, c);
      }
      if (failed != null) {
        return failed;
      }
      scale = body.merged();
    }
    Answer nameless = Writes.nameUndeterminable(c, scale);
    if (nameless != null) {
      return nameless;
    }
    JsonElement replicas =
        scale.has("spec") && scale.get("spec").isJsonObject()
            ? scale.getAsJsonObject("spec").get("replicas")
            : null;
    long n = replicas == null || replicas.isJsonNull() ? 0 : replicas.getAsLong();
    if (n < 0) {
      // validation.ValidateScale
      JsonObject details = new JsonObject();
      details.addProperty("name", c.name);
      details.addProperty("group", "autoscaling");
      details.addProperty("kind", "Scale");
      JsonArray causes = new JsonArray();
      JsonObject cause = new JsonObject();
      cause.addProperty("reason", "FieldValueInvalid");
      cause.addProperty("message", "Invalid value: " + n + ": must be greater than or equal to 0");
      cause.addProperty("field", "spec.replicas");
      causes.add(cause);
      details.add("causes", causes);
      return status(
          422,
          "Invalid",
          "Scale.autoscaling \""
              + c.name
              + "\" is invalid: spec.replicas: Invalid value: "
              + n
              + ": must be greater than or equal to 0",
          details);
    }
    JsonObject next = object.deepCopy();
    if (!next.has("spec") || !next.get("spec").isJsonObject()) {
      next.add("spec", new JsonObject());
    }
    next.getAsJsonObject("spec").addProperty("replicas", n);
    JsonObject meta = next.getAsJsonObject("metadata");
    // The Scale's resourceVersion, if any, is the precondition; else the write is unconditional.
    String rv =
        scale.has("metadata") && scale.get("metadata").isJsonObject()
            ? StoredObject.string(scale.getAsJsonObject("metadata"), "resourceVersion")
            : "";
    if (rv.isEmpty()) {
      meta.remove("resourceVersion");
    } else {
      meta.addProperty("resourceVersion", rv);
    }
    Answer written = writes.update(c, next);
    if (written.code != 200) {
      return written;
    }
    return new Answer(200, scaleOf(JsonParser.parseString(utf8(written.body)).getAsJsonObject()));
  }

  /**
   * The autoscaling/v1 Scale of a workload, as {@code scaleFromDeployment} (and its siblings for
   * replica sets, stateful sets and replication controllers) builds it: the object's name,
   * namespace, uid, resourceVersion and creationTimestamp; spec.replicas; status.replicas and the
   * label selector as a string.
   */
  static JsonObject scaleOf(JsonObject object) {
    JsonObject meta = object.getAsJsonObject("metadata");
    JsonObject m = new JsonObject();
    for (String f : new String[] {"name", "namespace", "uid", "resourceVersion"}) {
      if (meta.has(f)) {
        m.add(f, meta.get(f));
      }
    }
    m.add(
        "creationTimestamp",
        meta.has("creationTimestamp")
            ? meta.get("creationTimestamp")
            : com.google.gson.JsonNull.INSTANCE);
    JsonObject spec =
        object.has("spec") && object.get("spec").isJsonObject()
            ? object.getAsJsonObject("spec")
            : new JsonObject();
    JsonObject st =
        object.has("status") && object.get("status").isJsonObject()
            ? object.getAsJsonObject("status")
            : new JsonObject();
    JsonObject scale = new JsonObject();
    scale.addProperty("kind", "Scale");
    scale.addProperty("apiVersion", "autoscaling/v1");
    scale.add("metadata", m);
    JsonObject ss = new JsonObject();
    if (spec.has("replicas") && spec.get("replicas").getAsLong() != 0) {
      ss.add("replicas", spec.get("replicas"));
    }
    scale.add("spec", ss);
    JsonObject status = new JsonObject();
    status.addProperty("replicas", st.has("replicas") ? st.get("replicas").getAsLong() : 0L);
    String selector = selectorString(spec.get("selector"));
    if (!selector.isEmpty()) {
      status.addProperty("selector", selector);
    }
    scale.add("status", status);
    return scale;
  }

  /**
   * A label selector as {@code labels.Selector.String()} prints it: requirements sorted by key,
   * {@code k=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}. A replication
   * controller's selector is a plain map.
   */
  static String selectorString(JsonElement selector) {
    if (selector == null || !selector.isJsonObject()) {
      return "";
    }
    JsonObject s = selector.getAsJsonObject();
    boolean labelSelector = s.has("matchLabels") || s.has("matchExpressions");
    Map<String, List<String>> byKey = new TreeMap<>();
    JsonObject labels =
        labelSelector
            ? (s.has("matchLabels") && s.get("matchLabels").isJsonObject()
                ? s.getAsJsonObject("matchLabels")
                : new JsonObject())
            : s;
    for (Map.Entry<String, JsonElement> e : labels.entrySet()) {
      byKey
          .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
          .add(e.getKey() + "=" + e.getValue().getAsString());
    }
    if (labelSelector && s.has("matchExpressions") && s.get("matchExpressions").isJsonArray()) {
      for (JsonElement el : s.getAsJsonArray("matchExpressions")) {
        JsonObject r = el.getAsJsonObject();
        String key = r.get("key").getAsString();
        String op = r.get("operator").getAsString();
        List<String> values = new ArrayList<>();
        if (r.has("values") && r.get("values").isJsonArray()) {
          r.getAsJsonArray("values").forEach(v -> values.add(v.getAsString()));
        }
        values.sort(null);
        String req =
            switch (op) {
              case "In" -> key + " in (" + String.join(",", values) + ")";
              case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
              case "Exists" -> key;
              case "DoesNotExist" -> "!" + key;
              default -> key + " " + op;
            };
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(req);
      }
    }
    List<String> all = new ArrayList<>();
    byKey.values().forEach(all::addAll);
    return String.join(",", all);
  }

  /**
   * A pod's log. KubeSim runs no containers, so the log is empty text; the container is checked as
   * the kubelet's log handler (via the registry's LogLocation) checks it.
   */
  private Answer log(ApiCall c) {
    Answer current = reads.get(c);
    if (current.code != 200) {
      return current;
    }
    JsonObject pod = JsonParser.parseString(utf8(current.body)).getAsJsonObject();
    List<String> containers = new ArrayList<>();
    JsonObject spec = pod.has("spec") ? pod.getAsJsonObject("spec") : new JsonObject();
    if (spec.has("containers") && spec.get("containers").isJsonArray()) {
      for (JsonElement e : spec.getAsJsonArray("containers")) {
        containers.add(StoredObject.string(e.getAsJsonObject(), "name"));
      }
    }
    String container = c.param("container");
    // pkg/registry/core/pod/strategy.go LogLocation
    if (container == null || container.isEmpty()) {
      if (containers.size() != 1) {
        return status(
            400,
            "BadRequest",
            "a container name must be specified for pod "
                + c.name
                + ", choose one of: ["
                + String.join(" ", containers)
                + "]",
            null);
      }
    } else if (!containers.contains(container)) {
      return status(
          400, "BadRequest", "container " + container + " is not valid for pod " + c.name, null);
    }
    return new Answer(200, new byte[0]).header("Content-Type", "text/plain");
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
