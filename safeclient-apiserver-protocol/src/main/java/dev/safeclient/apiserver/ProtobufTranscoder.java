package dev.safeclient.apiserver;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.KubeProtoSchemas;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * JSON objects as the apiserver's Protobuf encoding writes them (K8S-API-FACTS, "Protobuf on the
 * wire"): converted field by field against the Kubernetes message descriptors (by default the union
 * of every vendored release's, as the safe client decodes), then wrapped as magic {@code k8s\0} +
 * {@code runtime.Unknown}.
 *
 * <p>Two modes. {@link #message} skips what the descriptor lacks (a simulated server encoding what
 * it stored itself). {@link #losslessMessage} refuses instead, with {@link NotLossless}: a JSON
 * member the descriptor has no field for, or a value of the wrong kind, would be dropped or changed
 * by the Protobuf answer, so a server relaying another's JSON must answer in JSON instead.
 */
public final class ProtobufTranscoder {
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";

  /** A JSON object the descriptors cannot carry without losing or changing something. */
  public static final class NotLossless extends Exception {
    private static final long serialVersionUID = 1L;

    /** {@code where} names the schema (message, field), never a value. */
    public NotLossless(String where) {
      super(where, null, false, false);
    }
  }

  /** Internal carrier of {@link NotLossless} through the recursive writer. */
  private static final class Lossy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Lossy(String where) {
      super(where, null, false, false);
    }
  }

  /** Every group some modelled release serves from its own storage ("" is the core group). */
  private static final Set<String> BUILT_IN_GROUPS =
      IntStream.rangeClosed(ServerVersion.OLDEST_MINOR, ServerVersion.NEWEST_MINOR)
          .mapToObj(BuiltInApis::groupVersions)
          .flatMap(Set::stream)
          .map(gv -> gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "")
          .collect(Collectors.toUnmodifiableSet());

  private static volatile ProtobufTranscoder vendored;

  private final Map<String, Descriptor> byFullName;

  /** Field and inline-holder lookups by (message, JSON key), resolved once: the hot path. */
  private final Map<Descriptor, Map<String, FieldDescriptor[]>> lookups = new ConcurrentHashMap<>();

  private ProtobufTranscoder(Map<String, Descriptor> byFullName) {
    this.byFullName = byFullName;
  }

  /** The vendored schemas: the union of every release's {@code .proto} files. */
  public static ProtobufTranscoder vendored() {
    ProtobufTranscoder t = vendored;
    if (t == null) {
      KubeProtoSchemas union = KubeProtoSchemas.union();
      Map<String, Descriptor> m = new HashMap<>();
      for (String name : union.messageNames()) {
        Descriptor d = union.message(name).orElseThrow();
        if (d.getContainingType() == null) {
          m.put(d.getFullName(), d);
        }
      }
      t = new ProtobufTranscoder(Map.copyOf(m));
      vendored = t; // at worst built twice, equal
    }
    return t;
  }

  /** These schemas and {@code extra} top-level messages (a name already known keeps its own). */
  public ProtobufTranscoder with(Collection<Descriptor> extra) {
    Map<String, Descriptor> m = new HashMap<>(byFullName);
    for (Descriptor d : extra) {
      m.putIfAbsent(d.getFullName(), d);
    }
    return new ProtobufTranscoder(Map.copyOf(m));
  }

  /**
   * The message of {@code kind} served at {@code apiVersion}, or empty: a custom resource (served
   * in JSON only), or a kind the schemas lack.
   */
  public Optional<Descriptor> descriptor(String apiVersion, String kind) {
    if (kind.equals("Status")) {
      return Optional.ofNullable(byFullName.get(META + "Status"));
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
      // A custom resource's group that merely starts like a built-in one (apps.example.com).
      return Optional.empty();
    }
    return Optional.ofNullable(byFullName.get(pkg + "." + kind));
  }

  /** A message by its full name ({@code k8s.io.api.core.v1.Pod}), or empty. */
  public Optional<Descriptor> message(String fullName) {
    return Optional.ofNullable(byFullName.get(fullName));
  }

  /** A Status as magic + Unknown: the body of an error answer or a watch ERROR event. */
  public byte[] status(Status s) {
    return status(s.toJson());
  }

  /** A Status given as its JSON (any apiVersion) as magic + Unknown. */
  public byte[] status(JsonObject status) {
    return ProtobufEnvelope.wrap("v1", "Status", message(byFullName.get(META + "Status"), status));
  }

  /**
   * A list {1 ListMeta, 2 repeated items} as magic + Unknown, from already encoded item messages;
   * {@code continueToken} and {@code remainingItemCount} left out when null.
   */
  public byte[] list(
      String apiVersion,
      String listKind,
      long resourceVersion,
      String continueToken,
      Long remainingItemCount,
      List<byte[]> items) {
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", Long.toString(resourceVersion));
    if (continueToken != null) {
      meta.addProperty("continue", continueToken);
    }
    if (remainingItemCount != null) {
      meta.addProperty("remainingItemCount", remainingItemCount);
    }
    try {
      byte[] m = message(byFullName.get(META + "ListMeta"), meta);
      int size = m.length + 8;
      for (byte[] i : items) {
        size += i.length + 6;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(size);
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      o.writeByteArray(1, m);
      for (byte[] item : items) {
        o.writeByteArray(2, item);
      }
      o.flush();
      return ProtobufEnvelope.wrap(apiVersion, listKind, out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The message bytes of {@code json} as {@code d}; JSON members {@code d} has no field for are
   * skipped, values of the wrong kind converted where Gson can.
   */
  public byte[] message(Descriptor d, JsonElement json) {
    return encode(d, json, false, true);
  }

  /**
   * The message bytes of {@code json} (an object with its {@code kind} and {@code apiVersion}, or a
   * list item without) as {@code d}, or {@link NotLossless} if decoding them would not give the
   * same object: a member {@code d} has no field for, a value of the wrong kind, a null inside a
   * list or map.
   */
  public byte[] losslessMessage(Descriptor d, JsonElement json) throws NotLossless {
    try {
      return encode(d, json, true, true);
    } catch (Lossy e) {
      throw new NotLossless(e.getMessage());
    } catch (RuntimeException e) {
      // A value Gson or the time and number parsers refused: the schema, never the value, named.
      throw new NotLossless(d.getFullName() + ": a value of the wrong kind");
    }
  }

  private byte[] encode(Descriptor d, JsonElement json, boolean strict, boolean top) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
      CodedOutputStream out = CodedOutputStream.newInstance(bytes, 128); // most messages are small
      writeMessage(d, json, out, strict, top);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeMessage(
      Descriptor d, JsonElement json, CodedOutputStream out, boolean strict, boolean top)
      throws IOException {
    String name = d.getFullName();
    // Types whose JSON form is not an object of their fields (apimachinery's custom marshalling).
    switch (name) {
      case META + "Time":
      case META + "MicroTime":
        {
          Instant t = Instant.parse(string(d, json, strict));
          out.writeInt64(d.findFieldByName("seconds").getNumber(), t.getEpochSecond());
          if (name.endsWith("MicroTime")) {
            out.writeInt32(d.findFieldByName("nanos").getNumber(), t.getNano());
          } else if (strict && t.getNano() != 0) {
            throw new Lossy(name + ": sub-second precision");
          }
          return;
        }
      case META + "Duration":
        out.writeInt64(
            d.findFieldByName("duration").getNumber(), goDurationNanos(string(d, json, strict)));
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
        out.writeString(d.findFieldByName("string").getNumber(), string(d, json, strict));
        return;
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        if (json.getAsJsonPrimitive().isNumber()) {
          out.writeInt64(d.findFieldByName("type").getNumber(), 0);
          out.writeInt32(
              d.findFieldByName("intVal").getNumber(),
              strict ? integral(d, json).intValueExact() : json.getAsInt());
        } else {
          out.writeInt64(d.findFieldByName("type").getNumber(), 1);
          out.writeString(d.findFieldByName("strVal").getNumber(), string(d, json, strict));
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
        if (strict && item.isJsonNull()) {
          throw new Lossy(name + ": a null item");
        }
        writeValue(items, item, out, strict);
      }
      return;
    }
    if (!json.isJsonObject()) {
      throw new Lossy(name + ": not an object");
    }
    JsonObject obj = json.getAsJsonObject();
    Map<FieldDescriptor, JsonObject> inline = null;
    for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
      if (e.getValue().isJsonNull()) {
        continue; // null is Go's nil: the field is absent either way
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
          continue;
        }
        boolean typeMeta = e.getKey().equals("apiVersion") || e.getKey().equals("kind");
        if (strict && !(top && typeMeta)) {
          // The top level's apiVersion and kind are the Unknown's TypeMeta; anything else would
          // be dropped (a field newer than the schemas).
          throw new Lossy(name + " has no field '" + e.getKey() + "'");
        }
        continue;
      }
      writeField(f, e.getValue(), out, strict);
    }
    if (inline != null) {
      for (Map.Entry<FieldDescriptor, JsonObject> e : inline.entrySet()) {
        writeValue(e.getKey(), e.getValue(), out, strict);
      }
    }
  }

  private void writeField(FieldDescriptor f, JsonElement v, CodedOutputStream out, boolean strict)
      throws IOException {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      FieldDescriptor key = entry.findFieldByName("key");
      FieldDescriptor val = entry.findFieldByName("value");
      if (strict && !v.isJsonObject()) {
        throw new Lossy(f.getFullName() + ": not a map");
      }
      for (Map.Entry<String, JsonElement> kv : v.getAsJsonObject().entrySet()) {
        ByteArrayOutputStream eb = new ByteArrayOutputStream(64);
        CodedOutputStream e = CodedOutputStream.newInstance(eb, 64); // not the 4 kB default
        e.writeString(key.getNumber(), kv.getKey());
        if (!kv.getValue().isJsonNull()) {
          writeValue(val, kv.getValue(), e, strict);
        } else if (strict && !isTime(val)) {
          // A zero metav1.Time is JSON's null and Protobuf's empty value (PodDisruptionBudget's
          // disruptedPods); any other null would come back as a zero value.
          throw new Lossy(f.getFullName() + ": a null value");
        }
        e.flush();
        out.writeByteArray(f.getNumber(), eb.toByteArray());
      }
    } else if (f.isRepeated()) {
      if (strict && !v.isJsonArray()) {
        throw new Lossy(f.getFullName() + ": not a list");
      }
      // proto2 without [packed]: each element as its own field, as the Go marshaller writes.
      for (JsonElement item : v.getAsJsonArray()) {
        if (strict && item.isJsonNull()) {
          throw new Lossy(f.getFullName() + ": a null item");
        }
        writeValue(f, item, out, strict);
      }
    } else {
      writeValue(f, v, out, strict);
    }
  }

  private void writeValue(FieldDescriptor f, JsonElement v, CodedOutputStream out, boolean strict)
      throws IOException {
    int n = f.getNumber();
    switch (f.getType()) {
      case MESSAGE -> out.writeByteArray(n, encode(f.getMessageType(), v, strict, false));
      case STRING -> out.writeString(n, string(f, v, strict));
      case BYTES -> out.writeByteArray(n, Base64.getDecoder().decode(string(f, v, strict)));
      case INT32 -> out.writeInt32(n, strict ? integral(f, v).intValueExact() : v.getAsInt());
      case INT64 -> out.writeInt64(n, strict ? integral(f, v).longValueExact() : v.getAsLong());
      case UINT32 -> out.writeUInt32(n, strict ? integral(f, v).intValueExact() : v.getAsInt());
      case UINT64 -> out.writeUInt64(n, strict ? integral(f, v).longValueExact() : v.getAsLong());
      case BOOL -> {
        if (strict && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean())) {
          throw new Lossy(f.getFullName() + ": not a boolean");
        }
        out.writeBool(n, v.getAsBoolean());
      }
      case DOUBLE -> out.writeDouble(n, number(f, v, strict).getAsDouble());
      case FLOAT -> out.writeFloat(n, number(f, v, strict).getAsFloat());
      default -> throw new Lossy("unsupported field " + f.getFullName());
    }
  }

  private static boolean isTime(FieldDescriptor f) {
    return f.getType() == FieldDescriptor.Type.MESSAGE
        && (f.getMessageType().getFullName().equals(META + "Time")
            || f.getMessageType().getFullName().equals(META + "MicroTime"));
  }

  private static String string(Object where, JsonElement v, boolean strict) {
    if (strict && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString())) {
      throw new Lossy(schemaName(where) + ": not a string");
    }
    return v.getAsString();
  }

  private static JsonPrimitive number(Object where, JsonElement v, boolean strict) {
    if (!v.isJsonPrimitive() || (strict && !v.getAsJsonPrimitive().isNumber())) {
      throw new Lossy(schemaName(where) + ": not a number");
    }
    return v.getAsJsonPrimitive();
  }

  /** An integer-valued JSON number; its range is checked by the caller's exact conversion. */
  private static BigDecimal integral(Object where, JsonElement v) {
    return new BigDecimal(number(where, v, true).getAsString());
  }

  private static String schemaName(Object where) {
    return where instanceof FieldDescriptor f
        ? f.getFullName()
        : ((Descriptor) where).getFullName();
  }

  private FieldDescriptor[] lookup(Descriptor d, String key) {
    return lookups
        .computeIfAbsent(d, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            key, k -> new FieldDescriptor[] {fieldUncached(d, k), inlineHolder(d, k, 3)});
  }

  private FieldDescriptor field(Descriptor d, String key) {
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

  /**
   * {@code depth} bounds the search: message types can be recursive (JSONSchemaProps). Uncached
   * below the top: a lookup must not re-enter the cache it is being computed for.
   */
  private static FieldDescriptor inlineHolder(Descriptor d, String key, int depth) {
    if (depth == 0) {
      return null;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !f.isRepeated()
          && (fieldUncached(f.getMessageType(), key) != null
              || inlineHolder(f.getMessageType(), key, depth - 1) != null)) {
        return f; // embedded structs nest (NamedRuleWithOperations > RuleWithOperations > Rule)
      }
    }
    return null;
  }

  /** Go's time.Duration string ("1h2m3.5s", "300ms") in nanoseconds. */
  public static long goDurationNanos(String s) {
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
      double mult =
          switch (rest.substring(u, i)) {
            case "ns" -> 1;
            case "us", "µs", "μs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException("bad duration " + s);
          };
      total += n * mult;
    }
    long nanos = Math.round(total);
    return negative ? -nanos : nanos;
  }
}
