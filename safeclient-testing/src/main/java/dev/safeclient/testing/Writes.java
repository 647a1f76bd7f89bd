package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.*;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.Verb;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;

/** Create, update, patch, delete (graceful for scheduled pods), deletecollection and eviction. */
final class Writes {
  private final KubeSim sim;

  /** Pods in graceful deletion, by key, with the time their grace period ends. */
  private final Map<String, Long> terminatingPods = new ConcurrentHashMap<>();

  Writes(KubeSim sim) {
    this.sim = sim;
  }

  JsonObject parseBody(ApiCall c) {
    String ct = c.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (ct != null && ct.startsWith(ProtobufEncoding.MEDIA_TYPE)) {
      throw new UnsupportedBody();
    }
    try {
      JsonElement e = JsonParser.parseString(c.body == null ? "" : c.body);
      if (!e.isJsonObject()) {
        throw new BadRequest("the request body must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BadRequest("invalid JSON: " + e.getMessage());
    }
  }

  /** KubeSim reads JSON request bodies only (it answers in Protobuf, but does not decode it). */
  static final class UnsupportedBody extends RuntimeException {
    UnsupportedBody() {
      super("KubeSim accepts JSON request bodies only", null, false, false);
    }
  }

  /** A refusal raised from deep inside a verb, answered as it is. */
  static final class Refused extends RuntimeException {
    final transient Answer answer;

    Refused(Answer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }

  /**
   * The Protobuf message of a built-in kind as the simulated release defines it, or null for a kind
   * KubeSim has no schema of: a 1.30 server decodes into 1.30's Go structs, so a field only later
   * releases define is unknown to it.
   */
  com.google.protobuf.Descriptors.Descriptor schemaOf(String apiVersion, String kind) {
    return ReleaseSchemas.of(sim.config().minor, unionSchemaOf(apiVersion, kind));
  }

  /** The message of a built-in kind in the union of every release's schema, or null. */
  static com.google.protobuf.Descriptors.Descriptor unionSchemaOf(String apiVersion, String kind) {
    return ProtobufEncoding.available() ? ProtobufEncoding.descriptor(apiVersion, kind) : null;
  }

  /** A registered custom resource's structural schema, or null. */
  JsonObject crdSchema(ResourceType t) {
    return sim.config().crdSchemas.get(t.groupVersionPlural());
  }

  /**
   * The body of a create or update, decoded into {@code kind} as the handler decodes it: with the
   * strict serializer under {@code fieldValidation} Strict or Warn (create.go, update.go), so an
   * unknown or duplicate field is refused (400, transformDecodeError) or warned of; unknown fields
   * are dropped in every case, as decoding into the Go struct drops them.
   */
  JsonObject decode(ApiCall c, String apiVersion, String kind) {
    FieldValidation.Directive d = FieldValidation.of(c);
    JsonObject o = parseBody(c);
    decodeStrictly(c, d, o, apiVersion, kind);
    return o;
  }

  private void decodeStrictly(
      ApiCall c, FieldValidation.Directive d, JsonObject o, String apiVersion, String kind) {
    StrictDecoding.Result r =
        StrictDecoding.check(
            c.body,
            schemaOf(apiVersion, kind),
            kind.equals(c.type.kind()) ? crdSchema(c.type) : null);
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    Answer refused =
        FieldValidation.apply(d, c, r.errors(), e -> FieldValidation.undecodable(kind, version, e));
    if (refused != null) {
      throw new Refused(refused);
    }
    r.prune(o);
  }

  /** A 400 raised from deep inside a verb. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String m) {
      super(m, null, false, false);
    }
  }

  /** Whether some namespace is Terminating: set by its delete, cleared when none is left. */
  private volatile boolean namespacesTerminating;

  /** Set while a request with {@code dryRun=All} runs: its writes reach no storage. */
  private static final ThreadLocal<Boolean> DRY_RUN = ThreadLocal.withInitial(() -> false);

  /**
   * Runs a write, as a dry run if the request asks for one. A dry run goes through the same
   * defaulting, validation and admission and answers as if done, but the storage skips the write
   * (the registry's {@code dryrun.IsDryRun} in store.go: no etcd write, hence no event and no new
   * resourceVersion). Its APF cost is that of the write: the seats were charged on admission.
   * {@code dryRun} takes only {@code All} (validation.ValidateDryRun).
   */
  Answer asDryRunIfAsked(ApiCall c, java.util.function.Supplier<Answer> write) {
    List<String> values = dryRunValues(c);
    if (values.isEmpty()) {
      return write.get();
    }
    for (String v : values) {
      if (!v.equals("All")) {
        String options =
            switch (c.verb) {
              case CREATE -> "CreateOptions";
              case DELETE, DELETECOLLECTION -> "DeleteOptions";
              case PATCH -> "PatchOptions";
              default -> "UpdateOptions";
            };
        JsonObject details = new JsonObject();
        details.addProperty("group", "meta.k8s.io");
        details.addProperty("kind", options);
        JsonArray causes = new JsonArray();
        JsonObject cause = new JsonObject();
        cause.addProperty("reason", "FieldValueNotSupported");
        cause.addProperty("message", "Unsupported value: \"" + v + "\": supported values: \"All\"");
        cause.addProperty("field", "dryRun");
        causes.add(cause);
        details.add("causes", causes);
        return status(
            422,
            "Invalid",
            options
                + ".meta.k8s.io \"\" is invalid: dryRun: Unsupported value: \""
                + v
                + "\": supported values: \"All\"",
            details);
      }
    }
    DRY_RUN.set(true);
    try {
      return write.get();
    } finally {
      DRY_RUN.set(false);
    }
  }

  /**
   * The {@code dryRun} values of a request. A delete carries its options in a DeleteOptions body
   * when it has one (kubectl's {@code delete --dry-run=server} does), else in the query: the
   * handler decodes the body and reads the query only when the body is empty ({@code
   * DeleteResource} in k8s.io/apiserver pkg/endpoints/handlers/delete.go).
   */
  private static List<String> dryRunValues(ApiCall c) {
    boolean delete = c.verb == Verb.DELETE || c.verb == Verb.DELETECOLLECTION;
    if (!delete || c.body == null || c.body.isBlank()) {
      return c.params("dryRun");
    }
    List<String> values = new ArrayList<>();
    try {
      JsonElement options = JsonParser.parseString(c.body);
      if (options.isJsonObject()
          && options.getAsJsonObject().get("dryRun") instanceof JsonArray a) {
        a.forEach(v -> values.add(v.getAsString()));
      }
    } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
      return c.params("dryRun"); // a malformed body is refused by the delete itself
    }
    return values;
  }

  /**
   * Commits a change to etcd, or, in a dry run, builds the object the write would have stored
   * without storing it: a create has no resourceVersion yet, any other write keeps the current one.
   */
  private Change commit(
      ResourceType t, Change.Type type, JsonObject object, StoredObject previous) {
    if (!DRY_RUN.get()) {
      return sim.etcd().commit(t, type, object, previous);
    }
    JsonObject meta = object.getAsJsonObject("metadata");
    if (previous == null) {
      meta.remove("resourceVersion");
    } else {
      meta.addProperty("resourceVersion", Long.toString(previous.resourceVersion));
    }
    return new Change(
        previous == null ? 0 : previous.resourceVersion,
        t,
        type,
        StoredObject.of(object),
        previous,
        sim.clock().millis());
  }

  private String now() {
    return Instant.ofEpochMilli(sim.clock().millis()).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * A create from a client: its name is validated as the kind's validation does (422 with a cause),
   * and a resourceVersion refused as the etcd3 store refuses it (store.go Create, a plain error the
   * handler answers as a 500 of unknown reason), except in a dry run, whose storage never sees it
   * (DryRunnableStorage.Create).
   */
  Answer create(ApiCall c) {
    FieldValidation.Directive fv = FieldValidation.of(c);
    JsonObject o = parseBody(c);
    Answer wrongVersion = typeMetaMismatch(c, o);
    if (wrongVersion != null) {
      return wrongVersion;
    }
    decodeStrictly(c, fv, o, c.type.apiVersion(), c.type.kind());
    JsonObject meta =
        o.has("metadata") && o.get("metadata").isJsonObject()
            ? o.getAsJsonObject("metadata")
            : new JsonObject();
    String name = StoredObject.string(meta, "name");
    if (!name.isEmpty()) {
      String why = ObjectNames.invalid(c.type, name);
      if (why != null) {
        JsonObject details = new JsonObject();
        details.addProperty("name", name);
        if (!c.type.group().isEmpty()) {
          details.addProperty("group", c.type.group());
        }
        details.addProperty("kind", c.type.kind());
        JsonArray causes = new JsonArray();
        JsonObject cause = new JsonObject();
        cause.addProperty("reason", "FieldValueInvalid");
        cause.addProperty("message", "Invalid value: \"" + name + "\": " + why);
        cause.addProperty("field", "metadata.name");
        causes.add(cause);
        details.add("causes", causes);
        String kind =
            c.type.group().isEmpty() ? c.type.kind() : c.type.kind() + "." + c.type.group();
        return status(
            422,
            "Invalid",
            kind
                + " \""
                + name
                + "\" is invalid: metadata.name: Invalid value: \""
                + name
                + "\": "
                + why,
            details);
      }
    }
    String rv = StoredObject.string(meta, "resourceVersion");
    if (!rv.isEmpty() && !rv.equals("0") && !DRY_RUN.get()) {
      return status(500, null, "resourceVersion should not be set on objects to be created", null);
    }
    String path = c.namespace == null ? "" : c.namespace;
    Answer refused =
        Namespaces.admitCreate(
            sim, c.type, path.isEmpty() ? StoredObject.string(meta, "namespace") : path, name);
    if (refused != null) {
      return refused;
    }
    return createObject(c.type, c.namespace, o);
  }

  /** An update of the main resource from a client: its body's apiVersion is checked first. */
  Answer replace(ApiCall c) {
    FieldValidation.Directive fv = FieldValidation.of(c);
    JsonObject o = parseBody(c);
    Answer wrongVersion = typeMetaMismatch(c, o);
    if (wrongVersion != null) {
      return wrongVersion;
    }
    decodeStrictly(c, fv, o, c.type.apiVersion(), c.type.kind());
    return update(c, o);
  }

  /**
   * A body whose apiVersion or kind is not the path's. A built-in kind's body may leave both out
   * (the decoder defaults them from the path); a custom resource's is decoded as unstructured JSON,
   * which needs both: without a kind it is unrecognized (400, handlers/rest.go {@code
   * transformDecodeError} over the decoder's {@code Object 'Kind' is missing}), without an
   * apiVersion it mismatches the path's (400), and another kind is refused by the custom resource
   * validator (422 {@code kind: Invalid value: "Gadget": must be Widget}).
   */
  private Answer typeMetaMismatch(ApiCall c, JsonObject o) {
    ResourceType t = c.type;
    if (isBuiltIn(t)) {
      Answer a = apiVersionMismatch(t, o);
      return a != null ? a : Validation.kindMismatch(t, o);
    }
    if (StoredObject.string(o, "kind").isEmpty()) {
      String body = c.body == null ? "" : c.body;
      // summarizeData(body, 30): a JSON body's first 30 bytes.
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String summary =
          bytes.length > 30 ? new String(bytes, 0, 30, StandardCharsets.UTF_8) + " ..." : body;
      return status(
          400,
          "BadRequest",
          "the object provided is unrecognized (must be of type "
              + t.kind()
              + "): Object 'Kind' is missing in '"
              + body
              + "' ("
              + summary
              + ")",
          null);
    }
    String apiVersion = StoredObject.string(o, "apiVersion");
    if (!apiVersion.equals(t.apiVersion())) {
      return status(
          400,
          "BadRequest",
          "the API version in the data ("
              + apiVersion
              + ") does not match the expected API version ("
              + t.apiVersion()
              + ")",
          null);
    }
    String kind = StoredObject.string(o, "kind");
    if (kind.equals(t.kind())) {
      return null;
    }
    // customResourceValidator.Validate: the kind is checked as a field of the object.
    ResourceType as =
        t.isNamespaced()
            ? ResourceType.namespaced(t.group(), t.version(), t.plural(), kind)
            : ResourceType.clusterScoped(t.group(), t.version(), t.plural(), kind);
    JsonObject meta = o.get("metadata") instanceof JsonObject m ? m : new JsonObject();
    return Validation.invalidStatus(
        as,
        StoredObject.string(meta, "name"),
        "kind",
        "FieldValueInvalid",
        "Invalid value: \"" + kind + "\": must be " + t.kind());
  }

  /**
   * The name check of an update or patch ({@code checkName} in handlers/rest.go, after decoding the
   * body or applying the patch): an object without a name is a 400, whatever the URL names.
   */
  static Answer nameUndeterminable(ApiCall c, JsonObject o) {
    JsonObject meta = o.get("metadata") instanceof JsonObject m ? m : new JsonObject();
    if (!StoredObject.string(meta, "name").isEmpty()) {
      return null;
    }
    return status(
        400,
        "BadRequest",
        "the name of the object ("
            + c.name
            + " based on URL) was undeterminable: name must be provided",
        null);
  }

  /**
   * A body whose apiVersion is not the path's group version (create.go and update.go in the
   * apiserver's handlers: "the API version in the data ... does not match the expected API
   * version"). A body without one is decoded as the path's.
   */
  private static Answer apiVersionMismatch(ResourceType t, JsonObject o) {
    String apiVersion = StoredObject.string(o, "apiVersion");
    if (apiVersion.isEmpty() || apiVersion.equals(t.apiVersion())) {
      return null;
    }
    return status(
        400,
        "BadRequest",
        "the API version in the data ("
            + apiVersion
            + ") does not match the expected API version ("
            + t.apiVersion()
            + ")",
        null);
  }

  Answer createObject(ResourceType t, String namespace, JsonObject o) {
    JsonObject meta =
        o.has("metadata") && o.get("metadata").isJsonObject()
            ? o.getAsJsonObject("metadata")
            : new JsonObject();
    o.add("metadata", meta);
    o.addProperty("apiVersion", t.apiVersion());
    o.addProperty("kind", t.kind());
    if (Namespaces.isNamespaces(t)) {
      Namespaces.prepareForCreate(o);
    }
    String bodyNs = StoredObject.string(meta, "namespace");
    if (t.isNamespaced()) {
      if (namespace.isEmpty()) {
        namespace = bodyNs;
      }
      if (namespace.isEmpty()) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
            null);
      }
      if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
            null);
      }
      meta.addProperty("namespace", namespace);
    } else {
      meta.remove("namespace");
      namespace = "";
    }
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      String name = StoredObject.string(meta, "name");
      if (name.isEmpty()) {
        String gen = StoredObject.string(meta, "generateName");
        if (gen.isEmpty()) {
          return status(
              422,
              "Invalid",
              t.kind()
                  + " is invalid: metadata.name: Required value: name or generateName is required",
              null);
        }
        int attempts = sim.config().version.minor() >= 31 ? GeneratedNames.ATTEMPTS : 1;
        for (int i = 0; i < attempts; i++) {
          name = GeneratedNames.generate(gen, etcd.currentRv() * GeneratedNames.ATTEMPTS + i);
          if (!etcd.keyspace(t).current.containsKey(StoredObject.keyOf(namespace, name))) {
            break;
          }
        }
        meta.addProperty("name", name);
      }
      Keyspace k = etcd.keyspace(t);
      if (k.current.containsKey(StoredObject.keyOf(namespace, name))) {
        return alreadyExists(t, name);
      }
      meta.remove("resourceVersion");
      meta.addProperty(
          "uid",
          UUID.nameUUIDFromBytes(
                  ("kubesim/" + t + "/" + namespace + "/" + name + "/" + etcd.currentRv())
                      .getBytes(StandardCharsets.UTF_8))
              .toString());
      meta.addProperty("creationTimestamp", now());
      meta.remove("deletionTimestamp");
      // Decoding defaults the object (SetDefaults_*); then the strategy's PrepareForCreate (a
      // Job's generated selector, in WorkloadDefaults) and its Validate.
      Defaulting.apply(t, o, sim.config().version.minor(), true);
      if (JobSelectors.isJobs(t)) {
        Answer invalid =
            Validation.errors(t, name, JobSelectors.validate(o, true, sim.config().minor));
        if (invalid != null) {
          return invalid;
        }
      }
      if (Generations.tracked(t, sim.config().minor, isBuiltIn(t))) {
        meta.addProperty("generation", 1);
      }
      toStoredForm(t, o);
      Change ch = commit(t, Change.Type.ADDED, o, null);
      return Answer.of(201, ch.object);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  Answer update(ApiCall c, JsonObject o) {
    Answer nameless = nameUndeterminable(c, o);
    if (nameless != null) {
      return nameless;
    }
    JsonObject meta =
        o.has("metadata") && o.get("metadata").isJsonObject()
            ? o.getAsJsonObject("metadata")
            : new JsonObject();
    o.add("metadata", meta);
    String bodyName = StoredObject.string(meta, "name");
    if (!bodyName.isEmpty() && !bodyName.equals(c.name)) {
      return status(
          400,
          "BadRequest",
          "the name of the object ("
              + bodyName
              + ") does not match the name on the URL ("
              + c.name
              + ")",
          null);
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      String rv = StoredObject.string(meta, "resourceVersion");
      if (!rv.isEmpty() && !rv.equals(Long.toString(current.resourceVersion))) {
        return conflict(c);
      }
      JsonObject old = current.decode();
      JsonObject oldMeta = old.getAsJsonObject("metadata");
      JsonObject next;
      if ("status".equals(c.subresource)) {
        next = old.deepCopy();
        if (o.has("status")) {
          next.add("status", o.get("status"));
        }
      } else {
        next = o;
        next.addProperty("apiVersion", c.type.apiVersion());
        next.addProperty("kind", c.type.kind());
        if (ApiResource.of(c.type).subresources.containsKey("status")) {
          // Each strategy's PrepareForUpdate (e.g. deploymentStrategy: newDeployment.Status =
          // oldDeployment.Status): with a status subresource, a write to the main resource
          // leaves status as it was, whatever the body says, for updates and patches alike.
          if (old.has("status")) {
            next.add("status", old.get("status"));
          } else {
            next.remove("status");
          }
        }
      }
      Defaulting.apply(c.type, next, sim.config().version.minor(), false);
      JsonObject nm = next.getAsJsonObject("metadata");
      nm.addProperty("name", c.name);
      if (!ns.isEmpty()) {
        nm.addProperty("namespace", ns);
      }
      for (String keep :
          new String[] {
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation"
          }) {
        if (oldMeta.has(keep)) {
          nm.add(keep, oldMeta.get(keep));
        } else {
          nm.remove(keep);
        }
      }
      toStoredForm(c.type, next);
      boolean builtIn = isBuiltIn(c.type);
      if (oldMeta.has("generation")
          && !"status".equals(c.subresource)
          && Generations.tracked(c.type, sim.config().minor, builtIn)
          && Generations.bumps(
              old, next, builtIn, ApiResource.of(c.type).subresources.containsKey("status"))) {
        nm.addProperty("generation", oldMeta.get("generation").getAsLong() + 1);
      }
      boolean deleting = nm.has("deletionTimestamp");
      boolean noFinalizers = !nm.has("finalizers") || nm.getAsJsonArray("finalizers").isEmpty();
      if (deleting && noFinalizers && !isGracefulPod(c.type, next)) {
        Change ch = commit(c.type, Change.Type.DELETED, next, current);
        return Answer.of(200, ch.object);
      }
      if (!"status".equals(c.subresource)) {
        Answer invalid = Validation.immutableFields(c.type, c.name, old, next, sim.config().minor);
        if (invalid != null) {
          return invalid;
        }
      }
      if (unchanged(old, next)) {
        // etcd3 store.go GuaranteedUpdate: an object that encodes to the stored bytes is not
        // written (no new resourceVersion, no event); the stored state is re-read from etcd to
        // be sure (getCurrentState) and answered. The request's APF seats were charged anyway.
        sim.statsLive().storageReads(1);
        return Answer.of(200, current);
      }
      Change ch = commit(c.type, Change.Type.MODIFIED, next, current);
      return Answer.of(200, ch.object);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** Whether KubeSim knows {@code t}'s Go type (its Protobuf schema): not a custom resource. */
  private static boolean isBuiltIn(ResourceType t) {
    return unionSchemaOf(t.apiVersion(), t.kind()) != null;
  }

  /**
   * Brings a written object to what the storage answers once it has stored it ({@link StoredForm}).
   */
  private void toStoredForm(ResourceType t, JsonObject o) {
    com.google.protobuf.Descriptors.Descriptor schema = schemaOf(t.apiVersion(), t.kind());
    if (schema != null) {
      StoredForm.of(o, schema, sim.config().minor);
    } else {
      StoredForm.ofCustomResource(o, schemaOf("meta.k8s.io/v1", "ObjectMeta"), sim.config().minor);
    }
  }

  /**
   * A deletion that marks the object (a graceful pod, finalizers) bumps its generation if it has
   * one: rest.BeforeDelete for graceful deletion, the store's {@code
   * updateForGracefulDeletionAndFinalizers} otherwise (k8s.io/apiserver pkg/registry).
   */
  private static void bumpGenerationForDeletion(JsonObject meta) {
    if (meta.has("generation") && meta.get("generation").getAsLong() > 0) {
      meta.addProperty("generation", meta.get("generation").getAsLong() + 1);
    }
  }

  /** Whether {@code next} stores the same object as {@code old}, its resourceVersion aside. */
  private static boolean unchanged(JsonObject old, JsonObject next) {
    JsonObject a = old.deepCopy();
    JsonObject b = next.deepCopy();
    a.getAsJsonObject("metadata").remove("resourceVersion");
    b.getAsJsonObject("metadata").remove("resourceVersion");
    return a.equals(b);
  }

  private static boolean isGracefulPod(ResourceType t, JsonObject o) {
    return t.plural().equals("pods")
        && t.group().isEmpty()
        && o.getAsJsonObject("metadata").has("deletionGracePeriodSeconds")
        && o.getAsJsonObject("metadata").get("deletionGracePeriodSeconds").getAsLong() > 0;
  }

  Answer patch(ApiCall c) {
    FieldValidation.Directive fv = FieldValidation.of(c);
    String ct = c.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    PatchBody body = PatchBody.read(c, ct, schemaOf(c.type.apiVersion(), c.type.kind()));
    if (body.refusal() != null) {
      return body.refusal();
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    // Read-merge-update under the write lock, so concurrent patches cannot lose each other.
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      Answer failed = body.applyTo(current.decode());
      if (failed == null) {
        failed = body.validateFields(fv, c, crdSchema(c.type));
      }
      if (failed != null) {
        return failed;
      }
      return update(c, body.merged());
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** RFC 7386 JSON merge patch. */
  static JsonElement mergePatch(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch;
    }
    JsonObject t =
        target != null && target.isJsonObject()
            ? target.getAsJsonObject().deepCopy()
            : new JsonObject();
    for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
      if (e.getValue().isJsonNull()) {
        t.remove(e.getKey());
      } else {
        t.add(e.getKey(), mergePatch(t.get(e.getKey()), e.getValue()));
      }
    }
    return t;
  }

  Answer delete(ApiCall c) {
    JsonObject options = c.body == null || c.body.isBlank() ? new JsonObject() : parseBody(c);
    Long grace = null;
    if (options.has("gracePeriodSeconds") && !options.get("gracePeriodSeconds").isJsonNull()) {
      grace = options.get("gracePeriodSeconds").getAsLong();
    }
    String q = c.param("gracePeriodSeconds");
    if (q != null && !q.isEmpty()) {
      grace = Long.parseLong(q);
    }
    JsonObject pre =
        options.has("preconditions") && options.get("preconditions").isJsonObject()
            ? options.getAsJsonObject("preconditions")
            : new JsonObject();
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      JsonObject o = current.decode();
      JsonObject meta = o.getAsJsonObject("metadata");
      if ((pre.has("resourceVersion")
              && !pre.get("resourceVersion").isJsonNull()
              && !pre.get("resourceVersion")
                  .getAsString()
                  .equals(Long.toString(current.resourceVersion)))
          || (pre.has("uid")
              && !pre.get("uid").isJsonNull()
              && !pre.get("uid").getAsString().equals(StoredObject.string(meta, "uid")))) {
        return conflict(c);
      }
      if (Namespaces.isNamespaces(c.type)) {
        Answer refused = Namespaces.refuseDelete(c.name);
        if (refused != null) {
          return refused;
        }
        return DeleteAnswers.answer(c, options, deleteNamespaceLocked(current, o));
      }
      return DeleteAnswers.answer(c, options, deleteLocked(c.type, current, o, grace));
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** Deletes or starts a graceful deletion; the caller holds etcd's write lock. */
  private DeleteAnswers.Deletion deleteLocked(
      ResourceType t, StoredObject current, JsonObject o, Long grace) {
    Etcd etcd = sim.etcd();
    JsonObject meta = o.getAsJsonObject("metadata");
    boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
    boolean pod = t.plural().equals("pods") && t.group().isEmpty();
    boolean scheduled = pod && !current.nodeName.isEmpty();
    if (scheduled && (grace == null || grace > 0)) {
      long g = grace != null ? grace : podGrace(o);
      if (meta.has("deletionTimestamp")
          && meta.has("deletionGracePeriodSeconds")
          && meta.get("deletionGracePeriodSeconds").getAsLong() <= g) {
        // already terminating, no shorter grace asked
        return new DeleteAnswers.Deletion(false, current);
      }
      // Graceful deletion of a scheduled pod: deletionTimestamp first, the kubelet removes it.
      meta.addProperty(
          "deletionTimestamp",
          Instant.ofEpochMilli(sim.clock().millis() + g * 1000)
              .truncatedTo(ChronoUnit.SECONDS)
              .toString());
      meta.addProperty("deletionGracePeriodSeconds", g);
      bumpGenerationForDeletion(meta);
      if (!DRY_RUN.get()) {
        terminatingPods.put(current.key, sim.clock().millis() + g * 1000);
      }
      Change ch = commit(t, Change.Type.MODIFIED, o, current);
      return new DeleteAnswers.Deletion(false, ch.object);
    }
    if (finalizers) {
      if (!meta.has("deletionTimestamp")) {
        meta.addProperty("deletionTimestamp", now());
        meta.addProperty("deletionGracePeriodSeconds", 0);
        bumpGenerationForDeletion(meta);
        Change ch = commit(t, Change.Type.MODIFIED, o, current);
        return new DeleteAnswers.Deletion(false, ch.object);
      }
      return new DeleteAnswers.Deletion(false, current);
    }
    Change ch = commit(t, Change.Type.DELETED, o, current);
    return new DeleteAnswers.Deletion(true, ch.object);
  }

  /**
   * The namespace registry's Delete: a namespace with finalizers is marked (deletionTimestamp,
   * phase Terminating) and left to the namespace controller; one without is deleted at once.
   */
  private DeleteAnswers.Deletion deleteNamespaceLocked(StoredObject current, JsonObject o) {
    JsonObject meta = o.getAsJsonObject("metadata");
    if (meta.has("deletionTimestamp")) {
      return new DeleteAnswers.Deletion(false, current);
    }
    boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
    if (!finalizers && !Namespaces.hasControllerFinalizer(o)) {
      Change ch = commit(Namespaces.NAMESPACES, Change.Type.DELETED, o, current);
      return new DeleteAnswers.Deletion(true, ch.object);
    }
    meta.addProperty("deletionTimestamp", now());
    meta.addProperty("deletionGracePeriodSeconds", 0);
    namespacesTerminating = true;
    JsonObject status =
        o.has("status") && o.get("status").isJsonObject()
            ? o.getAsJsonObject("status")
            : new JsonObject();
    status.addProperty("phase", "Terminating");
    o.add("status", status);
    Change ch = commit(Namespaces.NAMESPACES, Change.Type.MODIFIED, o, current);
    return new DeleteAnswers.Deletion(false, ch.object);
  }

  /**
   * The simulated namespace controller (pkg/controller/namespace/deletion): deletes the content of
   * each Terminating namespace as a client's delete would (graceful pods wait for the kubelet,
   * finalizers hold objects), and once nothing is left removes its finalizer, and with it the
   * namespace. Its own requests are not billed.
   */
  void finishTerminatingNamespaces() {
    // The ticker calls this every tick: without a namespace being deleted it must not take
    // etcd's write lock, which would stall every read and write of a fleet rehearsal.
    if (!namespacesTerminating) {
      return;
    }
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    boolean stillTerminating = false;
    try {
      Keyspace namespaces = etcd.keyspace(Namespaces.NAMESPACES);
      if (namespaces.size() == 0) {
        return;
      }
      List<StoredObject> terminating = new ArrayList<>();
      namespaces.iterate("", "", 0).forEachRemaining(terminating::add);
      for (StoredObject ns : terminating) {
        JsonObject nsJson = ns.decode();
        if (!nsJson.getAsJsonObject("metadata").has("deletionTimestamp")) {
          continue;
        }
        long left = 0;
        for (ResourceType t : sim.resources().values()) {
          if (!t.isNamespaced()) {
            continue;
          }
          List<StoredObject> content = new ArrayList<>();
          etcd.keyspace(t).iterate(ns.name, "", 0).forEachRemaining(content::add);
          for (StoredObject o : content) {
            if (!deleteLocked(t, o, o.decode(), null).deletedNow()) {
              left++;
            }
          }
        }
        if (left > 0) {
          stillTerminating = true;
          continue;
        }
        JsonObject meta = nsJson.getAsJsonObject("metadata");
        boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
        if (finalizers && !Namespaces.hasControllerFinalizer(nsJson)) {
          stillTerminating = true;
          continue; // emptied already, held by someone else's finalizer
        }
        JsonObject spec =
            nsJson.has("spec") && nsJson.get("spec").isJsonObject()
                ? nsJson.getAsJsonObject("spec")
                : new JsonObject();
        spec.add("finalizers", new JsonArray());
        nsJson.add("spec", spec);
        etcd.commit(
            Namespaces.NAMESPACES,
            finalizers ? Change.Type.MODIFIED : Change.Type.DELETED,
            nsJson,
            ns);
      }
      namespacesTerminating = stillTerminating;
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  private static long podGrace(JsonObject o) {
    JsonObject spec =
        o.has("spec") && o.get("spec").isJsonObject()
            ? o.getAsJsonObject("spec")
            : new JsonObject();
    return spec.has("terminationGracePeriodSeconds")
        ? spec.get("terminationGracePeriodSeconds").getAsLong()
        : 30;
  }

  Answer deleteCollection(ApiCall c) {
    Selector sel;
    try {
      sel = Selector.of(c);
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage(), null);
    }
    JsonObject options = c.body == null || c.body.isBlank() ? new JsonObject() : parseBody(c);
    Long grace =
        options.has("gracePeriodSeconds") && !options.get("gracePeriodSeconds").isJsonNull()
            ? options.get("gracePeriodSeconds").getAsLong()
            : null;
    String q = c.param("gracePeriodSeconds");
    if (q != null && !q.isEmpty()) {
      grace = Long.parseLong(q);
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      // DeleteCollection lists first, from etcd: every object under the prefix is read.
      Keyspace k = etcd.keyspace(c.type);
      List<StoredObject> victims = new ArrayList<>();
      long read = 0;
      Iterator<StoredObject> it = k.iterate(ns, "", 0);
      while (it.hasNext()) {
        StoredObject o = it.next();
        read++;
        if (sel.matches(o)) {
          victims.add(o);
        }
      }
      sim.statsLive().storageReads(read);
      List<StoredObject> out = new ArrayList<>();
      for (StoredObject v : victims) {
        out.add(deleteLocked(c.type, v, v.decode(), grace).object());
      }
      return Answer.list(c.type, etcd.currentRv(), null, out);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** The simulated kubelet: removes pods whose grace period has ended. */
  void finishGracefulDeletions() {
    if (terminatingPods.isEmpty()) {
      return;
    }
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    Etcd etcd = sim.etcd();
    long now = sim.clock().millis();
    etcd.lock.writeLock().lock();
    try {
      for (Map.Entry<String, Long> e : terminatingPods.entrySet()) {
        if (e.getValue() > now) {
          continue;
        }
        StoredObject current = etcd.keyspace(pods).current.get(e.getKey());
        if (current == null) {
          terminatingPods.remove(e.getKey());
          continue;
        }
        JsonObject j = current.decode();
        JsonObject meta = j.getAsJsonObject("metadata");
        boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
        if (!finalizers) {
          meta.addProperty("deletionGracePeriodSeconds", 0);
          etcd.commit(pods, Change.Type.DELETED, j, current);
          terminatingPods.remove(e.getKey());
        }
      }
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** POST pods/{name}/eviction: 429 DisruptionBudget if a matching PDB allows no disruption. */
  Answer evict(ApiCall c) {
    ResourceType pdbs = ResourceType.BUILT_IN.get("policy/v1/poddisruptionbudgets");
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject pod = etcd.keyspace(c.type).current.get(StoredObject.keyOf(c.namespace, c.name));
      if (pod == null) {
        return notFound(c);
      }
      Iterator<StoredObject> it = etcd.keyspace(pdbs).iterate(c.namespace, "", 0);
      while (it.hasNext()) {
        JsonObject pdb = it.next().decode();
        JsonObject spec = pdb.has("spec") ? pdb.getAsJsonObject("spec") : new JsonObject();
        JsonObject sel = spec.has("selector") ? spec.getAsJsonObject("selector") : new JsonObject();
        JsonObject ml =
            sel.has("matchLabels") ? sel.getAsJsonObject("matchLabels") : new JsonObject();
        boolean matches = true;
        for (Map.Entry<String, JsonElement> e : ml.entrySet()) {
          matches &= e.getValue().getAsString().equals(pod.labels.get(e.getKey()));
        }
        JsonObject st = pdb.has("status") ? pdb.getAsJsonObject("status") : new JsonObject();
        long allowed = st.has("disruptionsAllowed") ? st.get("disruptionsAllowed").getAsLong() : 0;
        if (matches && allowed < 1) {
          String pdbName = pdb.getAsJsonObject("metadata").get("name").getAsString();
          JsonObject details = new JsonObject();
          JsonArray causes = new JsonArray();
          JsonObject cause = new JsonObject();
          cause.addProperty("reason", "DisruptionBudget");
          cause.addProperty(
              "message",
              "The disruption budget "
                  + pdbName
                  + " needs more healthy pods to allow this eviction.");
          causes.add(cause);
          details.add("causes", causes);
          sim.statsLive().tooManyRequests("disruption-budget");
          return status(
              429,
              "TooManyRequests",
              "Cannot evict pod as it would violate the pod's disruption budget.",
              details);
        }
      }
      deleteLocked(c.type, pod, pod.decode(), null);
      return new Answer(201, statusJson(201, null, null, null));
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }
}
