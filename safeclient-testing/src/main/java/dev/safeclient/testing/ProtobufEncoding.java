package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.model.KubeProtoSchemas;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The apiserver's Protobuf encoding, written from the wire format (K8S-API-FACTS, "Protobuf on the
 * wire"), independently of safeclient-core's codec: JSON objects are converted field by field
 * against the Kubernetes message descriptors (the union of every release's, from
 * safeclient-api-model, as the safe client decodes; apiextensions' from client-java-proto), then
 * wrapped as magic {@code k8s\0} + {@code runtime.Unknown}. Only response bodies: requests must
 * send JSON.
 */
final class ProtobufEncoding {
  static final String MEDIA_TYPE = ProtobufEnvelope.MEDIA_TYPE;
  static final byte[] MAGIC = ProtobufEnvelope.magic();
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";

  /** Outer classes of client-java-proto, loaded by name: absent classes are skipped. */
  private static final String[] OUTER_CLASSES = {
    "IntStr",
    "Meta",
    "Resource",
    "Runtime",
    "RuntimeSchema",
    "V1",
    "V1Admission",
    "V1Admissionregistration",
    "V1Apiextensions",
    "V1Apps",
    "V1Authentication",
    "V1Authorization",
    "V1Autoscaling",
    "V1Batch",
    "V1Certificates",
    "V1Coordination",
    "V1Discovery",
    "V1Events",
    "V1Flowcontrol",
    "V1Networking",
    "V1Node",
    "V1Policy",
    "V1Rbac",
    "V1Resource",
    "V1Scheduling",
    "V1Storage",
    "V1alpha1Apiserverinternal",
    "V1alpha1Imagepolicy",
    "V1alpha1Rbac",
    "V1alpha1Scheduling",
    "V1beta1Admission",
    "V1beta1Admissionregistration",
    "V1beta1Apiextensions",
    "V1beta1Apps",
    "V1beta1Authentication",
    "V1beta1Authorization",
    "V1beta1Batch",
    "V1beta1Certificates",
    "V1beta1Extensions",
    "V1beta1Policy",
    "V1beta1Rbac",
    "V1beta1Storage",
    "V1beta1Storagemigration",
    "V1beta2Apps",
    "V2Apidiscovery",
    "V2Autoscaling",
    "V2beta1Apidiscovery",
    "V2beta1Autoscaling",
    "V2beta2Autoscaling"
  };

  private static final Map<String, Descriptor> BY_FULL_NAME = new HashMap<>();
  private static final Map<String, List<Descriptor>> BY_KIND = new HashMap<>();
  private static final boolean AVAILABLE = load();

  private ProtobufEncoding() {}

  private static boolean load() {
    try {
      Class.forName("com.google.protobuf.CodedOutputStream");
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    // The same schema the safe client decodes with: the union of every release's .proto files.
    KubeProtoSchemas union = KubeProtoSchemas.union();
    for (String name : union.messageNames()) {
      Descriptor d = union.message(name).orElseThrow();
      if (d.getContainingType() == null) {
        BY_FULL_NAME.put(d.getFullName(), d);
        BY_KIND.computeIfAbsent(d.getName(), k -> new ArrayList<>()).add(d);
      }
    }
    // apiextensions (CustomResourceDefinition) is not among the vendored .proto files.
    for (String outer : OUTER_CLASSES) {
      try {
        Method m = Class.forName("io.kubernetes.client.proto." + outer).getMethod("getDescriptor");
        FileDescriptor f = (FileDescriptor) m.invoke(null);
        for (Descriptor d : f.getMessageTypes()) {
          if (BY_FULL_NAME.putIfAbsent(d.getFullName(), d) == null) {
            BY_KIND.computeIfAbsent(d.getName(), k -> new ArrayList<>()).add(d);
          }
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        // that group is not in this client-java-proto: JSON only for it
      }
    }
    return BY_FULL_NAME.containsKey(META + "Status");
  }

  static boolean available() {
    return AVAILABLE;
  }

  /** Whether the request's Accept header prefers Protobuf (listed before JSON, or alone). */
  static boolean accepted(String accept) {
    return AVAILABLE && MediaTypes.prefersProtobuf(accept);
  }

  /** Every group some modelled release serves from its own storage ("" is the core group). */
  private static final Set<String> BUILT_IN_GROUPS =
      IntStream.rangeClosed(ServerVersion.OLDEST_MINOR, ServerVersion.NEWEST_MINOR)
          .mapToObj(BuiltInApis::groupVersions)
          .flatMap(Set::stream)
          .map(gv -> gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "")
          .collect(Collectors.toUnmodifiableSet());

  /** The message for a kind served at an apiVersion, or null (CRDs: JSON only). */
  static Descriptor descriptor(String apiVersion, String kind) {
    if (!AVAILABLE) {
      return null;
    }
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
    String pkg;
    if (group.isEmpty()) {
      pkg = "k8s.io.api.core." + version;
    } else if (group.equals("apiextensions.k8s.io")) {
      pkg = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions." + version;
    } else if (group.equals("internal.apiserver.k8s.io")) {
      pkg = "k8s.io.api.apiserverinternal." + version;
    } else if (group.equals("apiregistration.k8s.io")) {
      pkg = "k8s.io.kube_aggregator.pkg.apis.apiregistration." + version;
    } else if (group.equals("meta.k8s.io")) {
      pkg = "k8s.io.apimachinery.pkg.apis.meta." + version;
    } else if (BUILT_IN_GROUPS.contains(group)) {
      pkg = "k8s.io.api." + group.split("\\.")[0] + "." + version;
    } else {
      // A custom resource's group that merely starts like a built-in one (apps.example.com)
      // has no Protobuf: CRDs are served in JSON only.
      return null;
    }
    Descriptor d = BY_FULL_NAME.get(pkg + "." + kind);
    if (d == null && kind.equals("Status")) {
      d = BY_FULL_NAME.get(META + "Status");
    }
    return d;
  }

  /** A Status (any apiVersion) as magic + Unknown. */
  static byte[] status(JsonObject status) {
    return object("v1", "Status", BY_FULL_NAME.get(META + "Status"), status);
  }

  /** magic + Unknown{typeMeta, raw = the message}. */
  static byte[] object(String apiVersion, String kind, Descriptor d, JsonObject json) {
    return wrap(apiVersion, kind, message(d, json));
  }

  static byte[] wrap(String apiVersion, String kind, byte[] raw) {
    return ProtobufEnvelope.wrap(apiVersion, kind, raw);
  }

  /** A stored object as magic + Unknown, its message encoded once per RV. */
  static byte[] object(ResourceType t, StoredObject o) {
    return wrap(t.apiVersion(), t.kind(), messageOf(t, o));
  }

  /** A list of stored objects, each message encoded once per RV and shared by every answer. */
  static byte[] list(
      ResourceType t, long rv, String continueToken, Long remaining, List<StoredObject> items) {
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", Long.toString(rv));
    if (continueToken != null) {
      meta.addProperty("continue", continueToken);
    }
    if (remaining != null) {
      meta.addProperty("remainingItemCount", remaining);
    }
    List<byte[]> raw = new ArrayList<>(items.size());
    for (StoredObject o : items) {
      raw.add(messageOf(t, o));
    }
    return list(t.apiVersion(), t.kind() + "List", meta, raw);
  }

  /**
   * The bytes etcd stores for {@code o}: the apiserver's storage codec writes built-in kinds in
   * Protobuf (magic + runtime.Unknown, as on the wire) and CRDs in JSON. Encodes the message once
   * and keeps it for later Protobuf answers. JSON when protobuf-java is absent.
   */
  static int storedSize(ResourceType t, StoredObject o) {
    Descriptor d = descriptor(t.apiVersion(), t.kind());
    if (d == null) {
      return o.json.length;
    }
    byte[] raw;
    try {
      raw = messageOf(t, o);
    } catch (RuntimeException e) {
      // A body this encoder cannot map (its Protobuf answer fails the same way, as a 500): the
      // write itself stands, and its JSON size is the best estimate left.
      return o.json.length;
    }
    return ProtobufEnvelope.wrappedSize(t.apiVersion(), t.kind(), raw.length);
  }

  private static byte[] messageOf(ResourceType t, StoredObject o) {
    byte[] m = o.protoMessage;
    if (m == null) {
      m = message(descriptor(t.apiVersion(), t.kind()), o.decode());
      o.protoMessage = m; // at worst built twice, identical bytes
    }
    return m;
  }

  /** A list message {1 ListMeta, 2 repeated items} from already encoded item messages. */
  static byte[] list(String apiVersion, String listKind, JsonObject listMeta, List<byte[]> items) {
    try {
      byte[] meta = message(BY_FULL_NAME.get(META + "ListMeta"), listMeta);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      o.writeByteArray(1, meta);
      for (byte[] item : items) {
        o.writeByteArray(2, item);
      }
      o.flush();
      return wrap(apiVersion, listKind, out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One watch frame: 4-byte big-endian length, then a raw WatchEvent {1 type, 2 RawExtension}. */
  static byte[] watchFrame(String type, byte[] wrappedObject) {
    return WatchEvents.protobufFrame(WatchEvents.Type.valueOf(type), wrappedObject);
  }

  /**
   * A JSON body ({@code kind} and {@code apiVersion} inside) as magic + Unknown, or null if the
   * kind has no message (CRDs).
   */
  static byte[] fromJson(byte[] jsonBody) {
    JsonObject o =
        com.google.gson.JsonParser.parseString(new String(jsonBody, StandardCharsets.UTF_8))
            .getAsJsonObject();
    String kind = o.has("kind") ? o.get("kind").getAsString() : "";
    String apiVersion = o.has("apiVersion") ? o.get("apiVersion").getAsString() : "v1";
    Descriptor d =
        kind.equals("Status") ? BY_FULL_NAME.get(META + "Status") : descriptor(apiVersion, kind);
    return d == null ? null : object(apiVersion, kind, d, o);
  }

  /** A JSON watch line {"type":T,"object":O} as a length-prefixed Protobuf frame. */
  static byte[] frameFromJsonLine(byte[] line) {
    JsonObject ev =
        com.google.gson.JsonParser.parseString(new String(line, StandardCharsets.UTF_8))
            .getAsJsonObject();
    JsonObject obj = ev.getAsJsonObject("object");
    String kind = obj.has("kind") ? obj.get("kind").getAsString() : "";
    String apiVersion = obj.has("apiVersion") ? obj.get("apiVersion").getAsString() : "v1";
    Descriptor d =
        kind.equals("Status") ? BY_FULL_NAME.get(META + "Status") : descriptor(apiVersion, kind);
    return watchFrame(ev.get("type").getAsString(), object(apiVersion, kind, d, obj));
  }

  /** The message bytes of {@code json} as {@code d}. Unknown JSON fields are skipped. */
  static byte[] message(Descriptor d, JsonObject json) {
    return encode(d, json);
  }

  /**
   * Writes {@code json} as message {@code d} straight to the wire format, field by field (no
   * intermediate message object: building each pod's message once must be cheap at 150k pods).
   */
  static byte[] encode(Descriptor d, JsonElement json) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
      CodedOutputStream out = CodedOutputStream.newInstance(bytes, 128); // most messages are small
      writeMessage(d, json, out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeMessage(Descriptor d, JsonElement json, CodedOutputStream out)
      throws IOException {
    String name = d.getFullName();
    // Types whose JSON form is not an object of their fields (apimachinery's custom marshalling).
    switch (name) {
      case META + "Time":
      case META + "MicroTime":
        {
          Instant t = Instant.parse(json.getAsString());
          out.writeInt64(d.findFieldByName("seconds").getNumber(), t.getEpochSecond());
          if (name.endsWith("MicroTime")) {
            out.writeInt32(d.findFieldByName("nanos").getNumber(), t.getNano());
          }
          return;
        }
      case META + "Duration":
        out.writeInt64(
            d.findFieldByName("duration").getNumber(), goDurationNanos(json.getAsString()));
        return;
      case META + "FieldsV1":
        out.writeByteArray(
            d.findFieldByName("Raw").getNumber(), json.toString().getBytes(StandardCharsets.UTF_8));
        return;
      case "k8s.io.apimachinery.pkg.runtime.RawExtension":
        out.writeByteArray(
            d.findFieldByName("raw").getNumber(), json.toString().getBytes(StandardCharsets.UTF_8));
        return;
      case "k8s.io.apimachinery.pkg.api.resource.Quantity":
        out.writeString(d.findFieldByName("string").getNumber(), json.getAsString());
        return;
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        if (json.getAsJsonPrimitive().isNumber()) {
          out.writeInt64(d.findFieldByName("type").getNumber(), 0);
          out.writeInt32(d.findFieldByName("intVal").getNumber(), json.getAsInt());
        } else {
          out.writeInt64(d.findFieldByName("type").getNumber(), 1);
          out.writeString(d.findFieldByName("strVal").getNumber(), json.getAsString());
        }
        return;
      default:
        break;
    }
    if (name.endsWith(".JSON") && d.findFieldByName("raw") != null) {
      out.writeByteArray(
          d.findFieldByName("raw").getNumber(), json.toString().getBytes(StandardCharsets.UTF_8));
      return;
    }
    FieldDescriptor items = d.findFieldByName("items");
    if (json.isJsonArray() && items != null && items.isRepeated() && d.getFields().size() == 1) {
      // Named slice types (ExtraValue, OwnerReferences...): {repeated items = 1}.
      for (JsonElement item : json.getAsJsonArray()) {
        writeValue(items, item, out);
      }
      return;
    }
    if (!json.isJsonObject()) {
      throw new IllegalArgumentException(name + " from " + json);
    }
    JsonObject obj = json.getAsJsonObject();
    Map<FieldDescriptor, JsonObject> inline = null;
    for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
      if (e.getValue().isJsonNull()) {
        continue;
      }
      FieldDescriptor f = field(d, e.getKey());
      if (f == null) {
        // Go's embedded structs (json:",inline"): their fields sit at this level in JSON but in
        // a message field in Protobuf (Volume.volumeSource, RuleWithOperations.rule, ...).
        FieldDescriptor holder = lookup(d, e.getKey())[1];
        if (holder != null && !obj.has(holder.getName())) {
          if (inline == null) {
            inline = new HashMap<>();
          }
          inline.computeIfAbsent(holder, k -> new JsonObject()).add(e.getKey(), e.getValue());
        }
        continue; // apiVersion/kind (the Unknown's typeMeta) and fields newer than the descriptors
      }
      writeField(f, e.getValue(), out);
    }
    if (inline != null) {
      for (Map.Entry<FieldDescriptor, JsonObject> e : inline.entrySet()) {
        writeValue(e.getKey(), e.getValue(), out);
      }
    }
  }

  private static void writeField(FieldDescriptor f, JsonElement v, CodedOutputStream out)
      throws IOException {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      FieldDescriptor key = entry.findFieldByName("key");
      FieldDescriptor val = entry.findFieldByName("value");
      for (Map.Entry<String, JsonElement> kv : v.getAsJsonObject().entrySet()) {
        ByteArrayOutputStream eb = new ByteArrayOutputStream(64);
        CodedOutputStream e = CodedOutputStream.newInstance(eb, 64); // not the 4 kB default
        e.writeString(key.getNumber(), kv.getKey());
        if (!kv.getValue().isJsonNull()) {
          writeValue(val, kv.getValue(), e);
        }
        e.flush();
        out.writeByteArray(f.getNumber(), eb.toByteArray());
      }
    } else if (f.isRepeated()) {
      // proto2 without [packed]: each element as its own field, as the Go marshaller writes.
      for (JsonElement item : v.getAsJsonArray()) {
        writeValue(f, item, out);
      }
    } else {
      writeValue(f, v, out);
    }
  }

  private static void writeValue(FieldDescriptor f, JsonElement v, CodedOutputStream out)
      throws IOException {
    int n = f.getNumber();
    switch (f.getType()) {
      case MESSAGE:
        out.writeByteArray(n, encode(f.getMessageType(), v));
        return;
      case STRING:
        out.writeString(n, v.getAsString());
        return;
      case BYTES:
        out.writeByteArray(n, Base64.getDecoder().decode(v.getAsString()));
        return;
      case INT32:
        out.writeInt32(n, v.getAsInt());
        return;
      case INT64:
        out.writeInt64(n, v.getAsLong());
        return;
      case UINT32:
        out.writeUInt32(n, v.getAsInt());
        return;
      case UINT64:
        out.writeUInt64(n, v.getAsLong());
        return;
      case BOOL:
        out.writeBool(n, v.getAsBoolean());
        return;
      case DOUBLE:
        out.writeDouble(n, v.getAsDouble());
        return;
      case FLOAT:
        out.writeFloat(n, v.getAsFloat());
        return;
      default:
        throw new IllegalArgumentException("unsupported field " + f.getFullName());
    }
  }

  /** Field and inline-holder lookups by (message, JSON key), resolved once: the hot path. */
  private static final Map<Descriptor, Map<String, FieldDescriptor[]>> LOOKUPS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static FieldDescriptor[] lookup(Descriptor d, String key) {
    return LOOKUPS
        .computeIfAbsent(d, k -> new java.util.concurrent.ConcurrentHashMap<>())
        .computeIfAbsent(
            key,
            k -> new FieldDescriptor[] {fieldUncached(d, k), inlineHolder(d, new JsonObject(), k)});
  }

  private static FieldDescriptor field(Descriptor d, String key) {
    return lookup(d, key)[0];
  }

  /** The field for a JSON key; a few proto names differ in case ("Webhooks", "aPIGroup"). */
  private static FieldDescriptor fieldUncached(Descriptor d, String key) {
    FieldDescriptor f = d.findFieldByName(key);
    if (f != null) {
      return f;
    }
    for (FieldDescriptor c : d.getFields()) {
      if (c.getName().equalsIgnoreCase(key)) {
        return c;
      }
    }
    return null;
  }

  private static FieldDescriptor inlineHolder(Descriptor d, JsonObject obj, String key) {
    return inlineHolder(d, obj, key, 3);
  }

  /** {@code depth} bounds the search: message types can be recursive (JSONSchemaProps). */
  private static FieldDescriptor inlineHolder(Descriptor d, JsonObject obj, String key, int depth) {
    if (depth == 0) {
      return null;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !f.isRepeated()
          && !obj.has(f.getName())
          && (field(f.getMessageType(), key) != null
              || inlineHolder(f.getMessageType(), new JsonObject(), key, depth - 1) != null)) {
        return f; // embedded structs nest (NamedRuleWithOperations > RuleWithOperations > Rule)
      }
    }
    return null;
  }

  /** Go's time.Duration string ("1h2m3.5s", "300ms") in nanoseconds. */
  static long goDurationNanos(String s) {
    if (s.equals("0")) {
      return 0;
    }
    boolean negative = s.startsWith("-");
    String rest = negative || s.startsWith("+") ? s.substring(1) : s;
    double total = 0;
    int i = 0;
    while (i < rest.length()) {
      int start = i;
      while (i < rest.length() && (Character.isDigit(rest.charAt(i)) || rest.charAt(i) == '.')) {
        i++;
      }
      double n = Double.parseDouble(rest.substring(start, i));
      int u = i;
      while (i < rest.length() && !Character.isDigit(rest.charAt(i)) && rest.charAt(i) != '.') {
        i++;
      }
      String unit = rest.substring(u, i);
      double mult;
      switch (unit) {
        case "ns":
          mult = 1;
          break;
        case "us":
        case "µs":
        case "μs":
          mult = 1e3;
          break;
        case "ms":
          mult = 1e6;
          break;
        case "s":
          mult = 1e9;
          break;
        case "m":
          mult = 60e9;
          break;
        case "h":
          mult = 3600e9;
          break;
        default:
          throw new IllegalArgumentException("bad duration " + s);
      }
      total += n * mult;
    }
    long nanos = Math.round(total);
    return negative ? -nanos : nanos;
  }
}
