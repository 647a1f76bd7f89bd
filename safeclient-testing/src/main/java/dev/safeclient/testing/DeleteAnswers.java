package dev.safeclient.testing;

import com.google.gson.JsonObject;
import java.util.Set;

/**
 * What a DELETE answers (handlers/delete.go DeleteResource): 202 only when the object was not
 * deleted at once and the request sent {@code orphanDependents=false}, otherwise 200 ("we want to
 * do this always if resource was not deleted immediately, but that will break existing clients").
 * The body is the object for a deferred delete (graceful or finalizers), and for a delete at once
 * of a kind whose registry sets ReturnDeletedObject; otherwise finalizeDelete's Success Status,
 * whose details name the resource (not the kind) and the uid.
 */
final class DeleteAnswers {
  /**
   * The registries with ReturnDeletedObject (pods, services, service accounts, PVs, PVCs, storage
   * classes).
   */
  private static final Set<String> RETURN_DELETED_OBJECT =
      Set.of(
          "/pods",
          "/services",
          "/serviceaccounts",
          "/persistentvolumes",
          "/persistentvolumeclaims",
          "/namespaces",
          "storage.k8s.io/storageclasses");

  private DeleteAnswers() {}

  /** The outcome of one delete: whether it removed the object now, and the object as it is. */
  record Deletion(boolean deletedNow, StoredObject object) {}

  static Answer answer(ApiCall c, JsonObject options, Deletion d) {
    int code = !d.deletedNow() && orphanDependentsFalse(c, options) ? 202 : 200;
    if (!d.deletedNow() || RETURN_DELETED_OBJECT.contains(c.type.group() + "/" + c.type.plural())) {
      return Answer.of(code, d.object());
    }
    JsonObject details = new JsonObject();
    details.addProperty("name", d.object().name);
    if (!c.type.group().isEmpty()) {
      details.addProperty("group", c.type.group());
    }
    details.addProperty("kind", c.type.plural()); // "Yes we set Kind field to resource."
    String uid = StoredObject.string(d.object().decode().getAsJsonObject("metadata"), "uid");
    if (!uid.isEmpty()) {
      details.addProperty("uid", uid);
    }
    JsonObject s = new JsonObject();
    s.addProperty("kind", "Status");
    s.addProperty("apiVersion", "v1");
    s.add("metadata", new JsonObject());
    s.addProperty("status", "Success");
    s.add("details", details);
    return new Answer(code, s);
  }

  /** DeleteOptions.orphanDependents false, from the body or the query. */
  private static boolean orphanDependentsFalse(ApiCall c, JsonObject options) {
    if (options.has("orphanDependents") && !options.get("orphanDependents").isJsonNull()) {
      return !options.get("orphanDependents").getAsBoolean();
    }
    return "false".equals(c.param("orphanDependents"));
  }
}
