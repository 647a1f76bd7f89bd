package dev.safeclient.testing;

import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.ProtobufTranscoder;
import dev.safeclient.apiserver.WatchEvents;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * KubeSim's Protobuf answers, through the protocol module's {@link ProtobufTranscoder} (written
 * from the wire format, K8S-API-FACTS "Protobuf on the wire", independently of safeclient-core's
 * codec): the vendored schemas, plus apiextensions' from client-java-proto when it is on the class
 * path. KubeSim encodes what it stored itself, so members its schemas lack are skipped. Only
 * response bodies: requests must send JSON.
 */
final class ProtobufEncoding {
  static final String MEDIA_TYPE = ProtobufEnvelope.MEDIA_TYPE;
  static final byte[] MAGIC = ProtobufEnvelope.magic();

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

  private static final ProtobufTranscoder TRANSCODER = load();
  private static final boolean AVAILABLE = TRANSCODER != null;

  private ProtobufEncoding() {}

  private static ProtobufTranscoder load() {
    try {
      Class.forName("com.google.protobuf.CodedOutputStream");
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
    // apiextensions (CustomResourceDefinition) is not among the vendored .proto files.
    List<Descriptor> extra = new ArrayList<>();
    for (String outer : OUTER_CLASSES) {
      try {
        Method m = Class.forName("io.kubernetes.client.proto." + outer).getMethod("getDescriptor");
        extra.addAll(((FileDescriptor) m.invoke(null)).getMessageTypes());
      } catch (ReflectiveOperationException | LinkageError e) {
        // that group is not in this client-java-proto: JSON only for it
      }
    }
    return ProtobufTranscoder.vendored().with(extra);
  }

  static boolean available() {
    return AVAILABLE;
  }

  /** Whether the request's Accept header prefers Protobuf (listed before JSON, or alone). */
  static boolean accepted(String accept) {
    return AVAILABLE && MediaTypes.prefersProtobuf(accept);
  }

  /** The message for a kind served at an apiVersion, or null (CRDs: JSON only). */
  static Descriptor descriptor(String apiVersion, String kind) {
    return AVAILABLE ? TRANSCODER.descriptor(apiVersion, kind).orElse(null) : null;
  }

  /** A Status (any apiVersion) as magic + Unknown. */
  static byte[] status(JsonObject status) {
    return TRANSCODER.status(status);
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
    List<byte[]> raw = new ArrayList<>(items.size());
    for (StoredObject o : items) {
      raw.add(messageOf(t, o));
    }
    return TRANSCODER.list(t.apiVersion(), t.kind() + "List", rv, continueToken, remaining, raw);
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
    byte[] raw = o.protoMessage;
    try {
      // Measured, not kept: most objects are never read as Protobuf, and a fleet's pods would
      // each hold a second copy of themselves.
      raw = raw != null ? raw : message(d, o.decode());
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
    Descriptor d = descriptor(apiVersion, kind);
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
    Descriptor d = descriptor(apiVersion, kind);
    return watchFrame(ev.get("type").getAsString(), object(apiVersion, kind, d, obj));
  }

  /** The message bytes of {@code json} as {@code d}. Unknown JSON fields are skipped. */
  static byte[] message(Descriptor d, JsonObject json) {
    return TRANSCODER.message(d, json);
  }
}
