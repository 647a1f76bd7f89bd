package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Set;

/**
 * Namespace lifecycle: the NamespaceLifecycle admission plugin
 * (plugin/pkg/admission/namespace/lifecycle/admission.go) and the namespace registry's strategy and
 * deferred delete (pkg/registry/core/namespace).
 */
final class Namespaces {
  static final ResourceType NAMESPACES = ResourceType.BUILT_IN.get("v1/namespaces");

  /** The namespaces the admission plugin never lets go (immortalNamespaces). */
  static final Set<String> IMMORTAL = Set.of("default", "kube-system", "kube-public");

  /**
   * The namespaces every cluster starts with: {@code default} from the kubernetes service
   * controller, the others from the system namespaces controller
   * (pkg/controlplane/controller/systemnamespaces: NamespaceSystem, NamespacePublic,
   * NamespaceNodeLease).
   */
  static final java.util.List<String> SYSTEM =
      java.util.List.of("default", "kube-system", "kube-public", "kube-node-lease");

  /** FinalizerKubernetes: the namespace controller's, removed once the namespace is empty. */
  static final String FINALIZER = "kubernetes";

  private Namespaces() {}

  /** Stores the system namespaces, as a freshly started control plane has them. */
  static void createSystemNamespaces(ApiHandler handler) {
    SYSTEM.forEach(name -> create(handler, name));
  }

  /** Stores a namespace as its create would. */
  static void create(ApiHandler handler, String name) {
    JsonObject ns = new JsonObject();
    JsonObject meta = new JsonObject();
    meta.addProperty("name", name);
    JsonObject labels = new JsonObject();
    // The namespace strategy's PrepareForCreate sets this label to the name.
    labels.addProperty("kubernetes.io/metadata.name", name);
    meta.add("labels", labels);
    ns.add("metadata", meta);
    handler.createObject(NAMESPACES, "", ns);
  }

  static boolean isNamespaces(ResourceType t) {
    return t.equals(NAMESPACES);
  }

  /**
   * Admission of a create in {@code namespace}: 404 if it does not exist (unless the sim was built
   * with {@code namespaceLifecycle(false)}), 403 with a NamespaceTerminating cause if it is being
   * deleted. Null if admitted.
   */
  static Answer admitCreate(KubeSim sim, ResourceType t, String namespace, String name) {
    if (!t.isNamespaced() || namespace.isEmpty()) {
      return null;
    }
    Etcd etcd = sim.etcd();
    StoredObject ns;
    etcd.lock.readLock().lock();
    try {
      ns = etcd.keyspace(NAMESPACES).current.get(namespace);
    } finally {
      etcd.lock.readLock().unlock();
    }
    if (ns == null) {
      if (!sim.config().namespaceLifecycle) {
        return null;
      }
      // errors.NewNotFound(v1.Resource("namespaces"), namespace).
      JsonObject d = new JsonObject();
      d.addProperty("name", namespace);
      d.addProperty("kind", "namespaces");
      return status(404, "NotFound", "namespaces \"" + namespace + "\" not found", d);
    }
    if (!terminating(ns.decode())) {
      return null;
    }
    // admission.NewForbidden, with the NamespaceTerminating cause the plugin appends.
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!t.group().isEmpty()) {
      d.addProperty("group", t.group());
    }
    d.addProperty("kind", t.plural());
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "NamespaceTerminating");
    cause.addProperty("message", "namespace " + namespace + " is being terminated");
    cause.addProperty("field", "metadata.namespace");
    causes.add(cause);
    d.add("causes", causes);
    String subject = name.isEmpty() ? t.resourceName() : t.resourceName() + " \"" + name + "\"";
    return status(
        403,
        "Forbidden",
        subject
            + " is forbidden: unable to create new content in namespace "
            + namespace
            + " because it is being terminated",
        d);
  }

  /** The namespace strategy's PrepareForCreate: the controller's finalizer, phase Active. */
  static void prepareForCreate(JsonObject o) {
    JsonObject spec =
        o.has("spec") && o.get("spec").isJsonObject()
            ? o.getAsJsonObject("spec")
            : new JsonObject();
    JsonArray finalizers = new JsonArray();
    finalizers.add(FINALIZER);
    spec.add("finalizers", finalizers);
    o.add("spec", spec);
    JsonObject status = new JsonObject();
    status.addProperty("phase", "Active");
    o.add("status", status);
  }

  /** The admission plugin refuses to delete an immortal namespace. */
  static Answer refuseDelete(String name) {
    if (!IMMORTAL.contains(name)) {
      return null;
    }
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    d.addProperty("kind", "namespaces");
    return status(
        403,
        "Forbidden",
        "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
        d);
  }

  static boolean terminating(JsonObject ns) {
    JsonObject status =
        ns.has("status") && ns.get("status").isJsonObject()
            ? ns.getAsJsonObject("status")
            : new JsonObject();
    return "Terminating".equals(StoredObject.string(status, "phase"))
        || ns.getAsJsonObject("metadata").has("deletionTimestamp");
  }

  /** Whether spec.finalizers still names the namespace controller's finalizer. */
  static boolean hasControllerFinalizer(JsonObject ns) {
    JsonObject spec =
        ns.has("spec") && ns.get("spec").isJsonObject()
            ? ns.getAsJsonObject("spec")
            : new JsonObject();
    return spec.has("finalizers")
        && spec.get("finalizers").isJsonArray()
        && !spec.getAsJsonArray("finalizers").isEmpty();
  }
}
