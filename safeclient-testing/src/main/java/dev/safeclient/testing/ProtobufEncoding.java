package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
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

/**
 * The apiserver's Protobuf encoding, written from the wire format (K8S-API-FACTS, "Protobuf on the
 * wire"), independently of safeclient-core's codec: JSON objects are converted field by field
 * against the Kubernetes message descriptors (client-java-proto, an optional dependency), then
 * wrapped as magic {@code k8s\0} + {@code runtime.Unknown}. Only response bodies: requests must
 * send JSON.
 */
final class ProtobufEncoding {
  static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
  static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};
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
      Class.forName("com.google.protobuf.DynamicMessage");
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    for (String outer : OUTER_CLASSES) {
      try {
        Method m = Class.forName("io.kubernetes.client.proto." + outer).getMethod("getDescriptor");
        FileDescriptor f = (FileDescriptor) m.invoke(null);
        for (Descriptor d : f.getMessageTypes()) {
          BY_FULL_NAME.put(d.getFullName(), d);
          BY_KIND.computeIfAbsent(d.getName(), k -> new ArrayList<>()).add(d);
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
    if (!AVAILABLE || accept == null) {
      return false;
    }
    int proto = accept.indexOf(MEDIA_TYPE);
    if (proto < 0) {
      return false;
    }
    int json = accept.indexOf("application/json");
    return json < 0 || proto < json;
  }

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
    } else if (group.equals("meta.k8s.io")) {
      pkg = "k8s.io.apimachinery.pkg.apis.meta." + version;
    } else {
      pkg = "k8s.io.api." + group.split("\\.")[0] + "." + version;
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
    try {
      ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
      CodedOutputStream tm = CodedOutputStream.newInstance(typeMeta);
      tm.writeString(1, apiVersion);
      tm.writeString(2, kind);
      tm.flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 64);
      out.write(MAGIC);
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      o.writeByteArray(1, typeMeta.toByteArray());
      o.writeByteArray(2, raw);
      o.writeString(3, "");
      o.writeString(4, "");
      o.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
    try {
      ByteArrayOutputStream raw = new ByteArrayOutputStream(wrappedObject.length + 8);
      CodedOutputStream r = CodedOutputStream.newInstance(raw);
      r.writeByteArray(1, wrappedObject);
      r.flush();
      ByteArrayOutputStream ev = new ByteArrayOutputStream(wrappedObject.length + 24);
      CodedOutputStream e = CodedOutputStream.newInstance(ev);
      e.writeString(1, type);
      e.writeByteArray(2, raw.toByteArray());
      e.flush();
      byte[] body = ev.toByteArray();
      byte[] frame = new byte[body.length + 4];
      frame[0] = (byte) (body.length >>> 24);
      frame[1] = (byte) (body.length >>> 16);
      frame[2] = (byte) (body.length >>> 8);
      frame[3] = (byte) body.length;
      System.arraycopy(body, 0, frame, 4, body.length);
      return frame;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The message bytes of {@code json} as {@code d}. Unknown JSON fields are skipped. */
  static byte[] message(Descriptor d, JsonObject json) {
    return toMessage(d, json).toByteArray();
  }

  static DynamicMessage toMessage(Descriptor d, JsonElement json) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
    String name = d.getFullName();
    // Types whose JSON form is not an object of their fields (apimachinery's custom marshalling).
    switch (name) {
      case META + "Time":
      case META + "MicroTime":
        {
          Instant t = Instant.parse(json.getAsString());
          b.setField(d.findFieldByName("seconds"), t.getEpochSecond());
          if (name.endsWith("MicroTime")) {
            b.setField(d.findFieldByName("nanos"), t.getNano());
          }
          return b.build();
        }
      case META + "Duration":
        b.setField(d.findFieldByName("duration"), goDurationNanos(json.getAsString()));
        return b.build();
      case META + "FieldsV1":
        b.setField(d.findFieldByName("Raw"), ByteString.copyFromUtf8(json.toString()));
        return b.build();
      case "k8s.io.apimachinery.pkg.runtime.RawExtension":
        b.setField(d.findFieldByName("raw"), ByteString.copyFromUtf8(json.toString()));
        return b.build();
      case "k8s.io.apimachinery.pkg.api.resource.Quantity":
        b.setField(d.findFieldByName("string"), json.getAsString());
        return b.build();
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        if (json.getAsJsonPrimitive().isNumber()) {
          b.setField(d.findFieldByName("type"), 0L);
          b.setField(d.findFieldByName("intVal"), json.getAsInt());
        } else {
          b.setField(d.findFieldByName("type"), 1L);
          b.setField(d.findFieldByName("strVal"), json.getAsString());
        }
        return b.build();
      default:
        break;
    }
    if (name.endsWith(".JSON") && d.findFieldByName("raw") != null) {
      b.setField(d.findFieldByName("raw"), ByteString.copyFromUtf8(json.toString()));
      return b.build();
    }
    if (!json.isJsonObject()) {
      throw new IllegalArgumentException(name + " from " + json);
    }
    for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
      FieldDescriptor f = d.findFieldByName(e.getKey());
      if (f == null || e.getValue().isJsonNull()) {
        continue; // apiVersion/kind (the Unknown's typeMeta) and fields newer than the descriptors
      }
      JsonElement v = e.getValue();
      if (f.isMapField()) {
        Descriptor entry = f.getMessageType();
        FieldDescriptor key = entry.findFieldByName("key");
        FieldDescriptor val = entry.findFieldByName("value");
        for (Map.Entry<String, JsonElement> kv : v.getAsJsonObject().entrySet()) {
          DynamicMessage.Builder eb = DynamicMessage.newBuilder(entry);
          eb.setField(key, kv.getKey());
          if (!kv.getValue().isJsonNull()) {
            eb.setField(val, scalar(val, kv.getValue()));
          }
          b.addRepeatedField(f, eb.build());
        }
      } else if (f.isRepeated()) {
        JsonArray arr = v.getAsJsonArray();
        for (JsonElement item : arr) {
          b.addRepeatedField(f, scalar(f, item));
        }
      } else {
        b.setField(f, scalar(f, v));
      }
    }
    return b.build();
  }

  private static Object scalar(FieldDescriptor f, JsonElement v) {
    switch (f.getJavaType()) {
      case MESSAGE:
        return toMessage(f.getMessageType(), v);
      case STRING:
        return v.getAsString();
      case BYTE_STRING:
        return ByteString.copyFrom(Base64.getDecoder().decode(v.getAsString()));
      case INT:
        return v.getAsInt();
      case LONG:
        return v.getAsLong();
      case BOOLEAN:
        return v.getAsBoolean();
      case DOUBLE:
        return v.getAsDouble();
      case FLOAT:
        return v.getAsFloat();
      default:
        throw new IllegalArgumentException("unsupported field " + f.getFullName());
    }
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

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
