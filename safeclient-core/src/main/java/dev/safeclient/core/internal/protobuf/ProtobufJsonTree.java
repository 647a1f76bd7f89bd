package dev.safeclient.core.internal.protobuf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.model.GoJsonFields;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Set;

/**
 * Turns a Kubernetes Protobuf message into the JSON tree the API server would have sent, using the
 * schema alone (no model class). Used where a caller wants JSON: error {@code Status} bodies,
 * {@code GenericKubernetesApi} (which decodes every read from a JSON tree), and model fields typed
 * {@code Object}. Slower than {@link ModelDecoder}: every value becomes a tree node first.
 */
final class ProtobufJsonTree {
  /**
   * Go structs embedded inline in JSON but carried as a field in Protobuf, for messages without a
   * client-java model to learn it from; where a model exists, its fields reveal the rest. {@code
   * FixtureEquivalenceTest} checks the tree of every fixture against the model decoder.
   */
  static final Set<String> INLINE =
      Set.of(
          "k8s.io.api.core.v1.Probe.handler",
          "k8s.io.api.core.v1.Volume.volumeSource",
          "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
          "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon");

  // Go's metav1.Time marshals whole seconds, MicroTime microseconds, both in UTC.
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private final UnknownFieldSink unknown;
  private final ModelDecoder scalars;

  /**
   * Whether fields the client-java models lack are rendered too: true where the tree is kept beside
   * a model object for a later write, false where client-java's strict Gson binds the tree.
   */
  private final boolean keepAll;

  /** Whose Go json tags decide zero and nil values: the release of the server that answered. */
  private final GoJsonFields.Release rendering;

  ProtobufJsonTree(UnknownFieldSink unknown) {
    this(unknown, false);
  }

  ProtobufJsonTree(UnknownFieldSink unknown, boolean keepAll) {
    this(unknown, keepAll, GoJsonFields.newest(), Integer.MAX_VALUE);
  }

  /**
   * @param rendering the Go json tags zero and nil values are written with
   * @param maxItemBytes the largest message directly inside the root, such as a list's item
   */
  ProtobufJsonTree(
      UnknownFieldSink unknown, boolean keepAll, GoJsonFields.Release rendering, int maxItemBytes) {
    this.unknown = unknown;
    this.scalars = new ModelDecoder(unknown).maxItemBytes(maxItemBytes);
    this.keepAll = keepAll;
    this.rendering = rendering;
  }

  /** The whole object of an envelope, with {@code apiVersion} and {@code kind} first. */
  JsonObject root(KubernetesEnvelope env, ProtoSchema.Message message) throws IOException {
    return root(
        env, CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength), message);
  }

  /** As {@link #root(KubernetesEnvelope, ProtoSchema.Message)}, from {@code in} to its limit. */
  JsonObject root(KubernetesEnvelope env, CodedInputStream in, ProtoSchema.Message message)
      throws IOException {
    JsonObject o = new JsonObject();
    if (!env.kind.isEmpty()) {
      o.addProperty("kind", env.kind);
    }
    if (!env.apiVersion.isEmpty()) {
      o.addProperty("apiVersion", env.apiVersion);
    }
    fill(in, message, o);
    return o;
  }

  /** A whole message, from the current position to the current limit. */
  JsonElement message(CodedInputStream in, ProtoSchema.Message m) throws IOException {
    if (m == null) {
      throw new ProtobufDecodeException("message type missing from the schema");
    }
    String n = m.fullName;
    if (n.endsWith(".JSONSchemaPropsOrArray")
        || n.endsWith(".JSONSchemaPropsOrBool")
        || n.endsWith(".JSONSchemaPropsOrStringArray")) {
      return union(in, m);
    }
    if (m.fields.size() == 1
        && m.fields.get(0).repeated
        && m.fields.get(0).type == ProtoSchema.Type.STRING
        && m.fields.get(0).name.equals("items")) {
      // Go string-slice types (type ExtraValue []string, Verbs, AttestationValue): an array in
      // JSON, a wrapper in Protobuf whose one field go-to-protobuf names items. A struct of one
      // list (DownwardAPIProjection) holds messages.
      JsonArray a = new JsonArray();
      JsonObject holder = new JsonObject();
      holder.add("items", a);
      fill(in, m, holder);
      return holder.get("items");
    }
    JsonObject o = new JsonObject();
    fill(in, m, o);
    return o;
  }

  private void fill(CodedInputStream in, ProtoSchema.Message m, JsonObject o) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        addNil(m, o);
        return;
      }
      int number = WireFormat.getTagFieldNumber(tag);
      ProtoSchema.Field f = m.field(number);
      if (f == null) {
        unknown.unknownField(m.fullName + "#" + number);
        ModelDecoder.skip(in, tag);
        continue;
      }
      field(in, m, f, tag, o);
    }
  }

  /**
   * One occurrence of field {@code f} (its tag just read) into {@code o}, under its JSON name: a
   * repeated field or a map adds to what {@code o} holds already.
   */
  void field(CodedInputStream in, ProtoSchema.Message m, ProtoSchema.Field f, int tag, JsonObject o)
      throws IOException {
    int wireType = WireFormat.getTagWireType(tag);
    // A tree bound into the models loses managedFields there anyway (as client-java's own JSON
    // binding does); a tree read as such (keepAll) shows them, as plain client-java's does.
    if (!keepAll
        && !ModelBinding.INCLUDE_MANAGED_FIELDS
        && f.name.equals("managedFields")
        && m.fullName.equals(ProtoSchema.OBJECT_META)) {
      ModelDecoder.skip(in, tag);
      return;
    }
    JsonNames names = JsonNames.of(m, rendering);
    if (names.modelLacks[f.number] && !keepAll) {
      // client-java binds this tree with its strict Gson, which throws on a field its model
      // lacks: left out, and reported as a field that could not be kept.
      unknown.unknownField(m.fullName + "." + f.name);
      ModelDecoder.skip(in, tag);
      return;
    }
    String name = names.name[f.number];
    ProtoSchema.Message sub =
        f.messageType == null ? null : ProtoSchema.get().message(f.messageType);
    if (sub != null && sub.mapEntry) {
      ModelDecoder.expectWireType(f, wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      JsonObject map = o.getAsJsonObject(name);
      if (map == null) {
        map = new JsonObject();
        o.add(name, map);
      }
      int old = scalars.enter(in);
      JsonElement k = new JsonPrimitive("");
      JsonElement v = JsonNull.INSTANCE;
      while (true) {
        int t = in.readTag();
        if (t == 0) {
          break;
        }
        int n = WireFormat.getTagFieldNumber(t);
        if (n == 1 || n == 2) {
          ProtoSchema.Field ef = sub.field(n);
          ModelDecoder.expectWireType(ef, WireFormat.getTagWireType(t), ef.type.wireType);
          JsonElement e = value(in, ef);
          if (n == 1) {
            k = e;
          } else {
            v = e;
          }
        } else {
          ModelDecoder.skip(in, t);
        }
      }
      scalars.leave(in, old);
      map.add(k.isJsonPrimitive() ? k.getAsString() : k.toString(), v);
      return;
    }
    if (names.inline[f.number]) {
      ModelDecoder.expectWireType(f, wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      int old = scalars.enter(in);
      fill(in, sub, o);
      scalars.leave(in, old);
      return;
    }
    if (f.repeated) {
      JsonArray a = o.getAsJsonArray(name);
      if (a == null) {
        a = new JsonArray();
        o.add(name, a);
      }
      if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && f.type.isPackable()) {
        int old = in.pushLimit(ModelDecoder.length(in));
        while (in.getBytesUntilLimit() > 0) {
          a.add(value(in, f));
        }
        in.popLimit(old);
      } else {
        ModelDecoder.expectWireType(f, wireType, f.type.wireType);
        a.add(value(in, f));
      }
      return;
    }
    ModelDecoder.expectWireType(f, wireType, f.type.wireType);
    JsonElement v = value(in, f);
    if (v == null || v.isJsonNull()) {
      // A zero metav1.Time or an empty RawExtension: Go writes null, unless the field is omitzero
      // (omitempty does not apply to structs).
      GoJsonFields.Field g = rendering.field(m.fullName, f.name);
      if (g != null && g.jsonName() != null && !g.omitsZeroStruct()) {
        o.add(name, JsonNull.INSTANCE);
      }
      return;
    }
    if (v.isJsonPrimitive() && isZero(v.getAsJsonPrimitive())) {
      GoJsonFields.Field g = rendering.field(m.fullName, f.name);
      if (g != null && g.omitsZeroScalar()) {
        return;
      }
    }
    o.add(name, v);
  }

  private JsonElement value(CodedInputStream in, ProtoSchema.Field f) throws IOException {
    switch (f.type) {
      case STRING:
        return new JsonPrimitive(in.readString());
      case BYTES:
        return new JsonPrimitive(Base64.getEncoder().encodeToString(in.readByteArray()));
      case BOOL:
        return new JsonPrimitive(in.readBool());
      case DOUBLE:
        return new JsonPrimitive(in.readDouble());
      case FLOAT:
        return new JsonPrimitive(in.readFloat());
      case MESSAGE:
        return messageValue(in, f.messageType);
      default:
        return new JsonPrimitive(ModelDecoder.readNumber(in, f.type));
    }
  }

  private JsonElement messageValue(CodedInputStream in, String type) throws IOException {
    if (ProtoSchema.isTime(type)) {
      OffsetDateTime t = scalars.readTime(in);
      if (t == null) {
        return JsonNull.INSTANCE;
      }
      return new JsonPrimitive(
          (ProtoSchema.TIME.equals(type) ? TIME : MICRO_TIME).format(t).replace("+00:00", "Z"));
    }
    if (ProtoSchema.INT_OR_STRING.equals(type)) {
      var v = scalars.readIntOrString(in);
      return v.isInteger()
          ? new JsonPrimitive(v.getIntValue())
          : new JsonPrimitive(v.getStrValue());
    }
    if (ProtoSchema.isRawJson(type)) {
      JsonElement e = rawToTree(scalars.readRaw(in), unknown, keepAll, rendering);
      return e == null ? JsonNull.INSTANCE : e;
    }
    ProtoSchema.Message m = ProtoSchema.get().message(type);
    if (ProtoSchema.QUANTITY.equals(type)) {
      JsonObject q = (JsonObject) enterMessage(in, m);
      return q.has("string") ? q.get("string") : JsonNull.INSTANCE;
    }
    return enterMessage(in, m);
  }

  private JsonElement enterMessage(CodedInputStream in, ProtoSchema.Message m) throws IOException {
    int old = scalars.enter(in);
    JsonElement e = message(in, m);
    scalars.leave(in, old);
    return e;
  }

  /**
   * The fields Protobuf did not carry that Go's JSON still writes: a nil pointer, slice or map
   * without {@code omitempty} as {@code null} (ClusterRole {@code rules}), and a list's {@code
   * items} as {@code []}, since the API server never answers a list with nil items (the storage
   * layer sets an empty slice: {@code etcd3.store.GetList}, "Ensure that we never return a nil
   * Items pointer"). A field Protobuf did carry is already in {@code o}.
   */
  private void addNil(ProtoSchema.Message m, JsonObject o) {
    JsonNames names = JsonNames.of(m, rendering);
    for (int i = 0; i < names.nilFields.length; i++) {
      ProtoSchema.Field f = names.nilFields[i];
      String name = names.name[f.number];
      if (!o.has(name) && (keepAll || !names.modelLacks[f.number])) {
        o.add(name, names.nilIsEmptyList[i] ? new JsonArray() : JsonNull.INSTANCE);
      }
    }
  }

  /** apiextensions' either-or types: JSON is whichever side is set. */
  private JsonElement union(CodedInputStream in, ProtoSchema.Message m) throws IOException {
    JsonObject o = new JsonObject();
    fill(in, m, o);
    // Go's custom marshaller writes only the side that is set; nil sides are not nulls here.
    o.entrySet().removeIf(e -> e.getValue().isJsonNull());
    String n = m.fullName;
    if (n.endsWith("OrArray")) {
      return o.has("schema")
          ? o.get("schema")
          : o.has("jSONSchemas") ? o.get("jSONSchemas") : JsonNull.INSTANCE;
    }
    if (n.endsWith("OrBool")) {
      return o.has("schema")
          ? o.get("schema")
          : o.has("allows") ? o.get("allows") : new JsonPrimitive(false);
    }
    return o.has("schema")
        ? o.get("schema")
        : o.has("property") ? o.get("property") : JsonNull.INSTANCE;
  }

  /**
   * The JSON inside a RawExtension, FieldsV1 or apiextensions JSON: usually JSON text; a nested
   * Kubernetes Protobuf object is turned into its JSON tree. Null when empty.
   */
  static JsonElement rawToTree(byte[] raw, UnknownFieldSink unknown) throws IOException {
    return rawToTree(raw, unknown, false, GoJsonFields.newest());
  }

  static JsonElement rawToTree(
      byte[] raw, UnknownFieldSink unknown, boolean keepAll, GoJsonFields.Release rendering)
      throws IOException {
    if (raw.length == 0) {
      return null;
    }
    if (KubernetesEnvelope.hasMagic(raw, 0, raw.length)) {
      KubernetesEnvelope env = KubernetesEnvelope.read(raw, 0, raw.length, "embedded object");
      ProtoSchema.Message m = MessageResolver.byTypeMeta(env.apiVersion, env.kind);
      if (m == null) {
        throw new ProtobufDecodeException(
            "embedded object of unknown type " + env.apiVersion + "/" + env.kind);
      }
      return new ProtobufJsonTree(unknown, keepAll, rendering, Integer.MAX_VALUE).root(env, m);
    }
    try {
      return JsonParser.parseString(new String(raw, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new ProtobufDecodeException("raw field holds neither JSON nor Protobuf", e);
    }
  }

  /** The JSON name of a field of {@code m}. */
  static String jsonName(ProtoSchema.Message m, ProtoSchema.Field f) {
    return JsonNames.of(m, GoJsonFields.newest()).name[f.number];
  }

  /** JSON names and inline flags of one message's fields, from its model where there is one. */
  private static final class JsonNames {
    /** Per release rendering, per message full name. */
    private static final java.util.Map<GoJsonFields.Release, java.util.Map<String, JsonNames>>
        CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    final String[] name;
    final boolean[] inline;
    final boolean[] modelLacks;

    /** The fields written when Protobuf does not carry them ({@link #addNil}). */
    final ProtoSchema.Field[] nilFields;

    /** Per {@link #nilFields} entry: a list's items, written as {@code []}. */
    final boolean[] nilIsEmptyList;

    private JsonNames(ProtoSchema.Message m, GoJsonFields.Release rendering) {
      name = new String[m.maxNumber() + 1];
      inline = new boolean[m.maxNumber() + 1];
      modelLacks = new boolean[m.maxNumber() + 1];
      Class<?> model = MessageResolver.modelFor(m);
      var fields = model == null ? null : ModelBinding.modelFields(model);
      for (ProtoSchema.Field f : m.fields) {
        String n = ModelBinding.jsonAlias(f.name) != null ? ModelBinding.jsonAlias(f.name) : f.name;
        java.lang.reflect.Field jf =
            fields == null ? null : ModelBinding.modelField(fields, f.name);
        if (jf != null) {
          n = jf.getAnnotation(com.google.gson.annotations.SerializedName.class).value();
        }
        name[f.number] = n;
        inline[f.number] =
            INLINE.contains(m.fullName + "." + f.name)
                || (jf == null
                    && fields != null
                    && f.type == ProtoSchema.Type.MESSAGE
                    && !f.repeated
                    && ModelBinding.FieldBinding.isInline(f, fields));
        modelLacks[f.number] =
            fields != null
                && jf == null
                && !inline[f.number]
                && !(ModelBinding.INCLUDE_MANAGED_FIELDS && f.name.equals("managedFields"));
      }
      ProtoSchema.Field listMeta = m.field("metadata");
      boolean isList = listMeta != null && ProtoSchema.LIST_META.equals(listMeta.messageType);
      java.util.List<ProtoSchema.Field> nil = new java.util.ArrayList<>();
      java.util.List<Boolean> emptyList = new java.util.ArrayList<>();
      for (ProtoSchema.Field f : m.fields) {
        GoJsonFields.Field g = rendering.field(m.fullName, f.name);
        boolean items = isList && f.repeated && f.name.equals("items");
        if (!inline[f.number]
            && (items || (g != null && g.jsonName() != null && !g.inline() && g.nullWhenNil()))) {
          nil.add(f);
          emptyList.add(items);
        }
      }
      nilFields = nil.toArray(new ProtoSchema.Field[0]);
      nilIsEmptyList = new boolean[nil.size()];
      for (int i = 0; i < nil.size(); i++) {
        nilIsEmptyList[i] = emptyList.get(i);
      }
    }

    static JsonNames of(ProtoSchema.Message m, GoJsonFields.Release rendering) {
      return CACHE
          .computeIfAbsent(rendering, r -> new java.util.concurrent.ConcurrentHashMap<>())
          .computeIfAbsent(m.fullName, k -> new JsonNames(m, rendering));
    }
  }

  private static boolean isZero(JsonPrimitive p) {
    if (p.isString()) {
      return p.getAsString().isEmpty();
    }
    if (p.isBoolean()) {
      return !p.getAsBoolean();
    }
    return p.isNumber() && p.getAsDouble() == 0.0;
  }
}
