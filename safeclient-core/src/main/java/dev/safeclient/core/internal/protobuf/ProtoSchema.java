package dev.safeclient.core.internal.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.KubeProtoSchemas;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Kubernetes Protobuf field table: for each message, its fields by number with name and type.
 * Built once from the union of Kubernetes' {@code .proto} files of every release ({@link
 * KubeProtoSchemas#union()}); apiextensions' messages, which those files lack, from {@code
 * kubernetes-proto.schema} ({@code ProtoSchemaGenerator}). Immutable after loading.
 */
final class ProtoSchema {
  static final String TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.Time";
  static final String MICRO_TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime";
  static final String QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
  static final String INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
  static final String RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
  static final String FIELDS_V1 = "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1";
  static final String OBJECT_META = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  static final String STATUS = "k8s.io.apimachinery.pkg.apis.meta.v1.Status";
  static final String LIST_META = "k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta";

  /** Messages whose one {@code bytes raw = 1} field holds JSON text (or nothing). */
  static boolean isRawJson(String message) {
    return RAW_EXTENSION.equals(message)
        || FIELDS_V1.equals(message)
        || message.endsWith(".apiextensions.v1.JSON")
        || message.endsWith(".apiextensions.v1beta1.JSON");
  }

  static boolean isTime(String message) {
    return TIME.equals(message) || MICRO_TIME.equals(message);
  }

  enum Type {
    DOUBLE(1),
    FLOAT(5),
    INT64(0),
    UINT64(0),
    INT32(0),
    FIXED64(1),
    FIXED32(5),
    BOOL(0),
    STRING(2),
    MESSAGE(2),
    BYTES(2),
    UINT32(0),
    SFIXED32(5),
    SFIXED64(1),
    SINT32(0),
    SINT64(0);

    /** The wire type a single (unpacked) value of this type is written with. */
    final int wireType;

    Type(int wireType) {
      this.wireType = wireType;
    }

    boolean isPackable() {
      return wireType != 2;
    }
  }

  static final class Field {
    final int number;
    final String name;
    final Type type;
    final boolean repeated;
    final String messageType;

    Field(int number, String name, Type type, boolean repeated, String messageType) {
      this.number = number;
      this.name = name;
      this.type = type;
      this.repeated = repeated;
      this.messageType = messageType;
    }

    @Override
    public String toString() {
      return name + "=" + number;
    }
  }

  static final class Message {
    final String fullName;
    final boolean mapEntry;
    final List<Field> fields;
    private final Field[] byNumber;
    private final Map<String, Field> byName = new HashMap<>();

    Message(String fullName, boolean mapEntry, List<Field> fields) {
      this.fullName = fullName;
      this.mapEntry = mapEntry;
      this.fields = List.copyOf(fields);
      int max = 0;
      for (Field f : fields) {
        max = Math.max(max, f.number);
        byName.put(f.name, f);
      }
      this.byNumber = new Field[max + 1];
      for (Field f : fields) {
        byNumber[f.number] = f;
      }
    }

    Field field(int number) {
      return number < byNumber.length ? byNumber[number] : null;
    }

    Field field(String name) {
      return byName.get(name);
    }

    int maxNumber() {
      return byNumber.length - 1;
    }

    /** {@code Pod} of {@code k8s.io.api.core.v1.Pod}. */
    String simpleName() {
      return fullName.substring(fullName.lastIndexOf('.') + 1);
    }

    /** {@code v1} of {@code k8s.io.api.core.v1.Pod}. */
    String version() {
      String pkg = fullName.substring(0, fullName.lastIndexOf('.'));
      return pkg.substring(pkg.lastIndexOf('.') + 1);
    }

    /** {@code core} of {@code k8s.io.api.core.v1.Pod}, {@code meta} of meta/v1 types. */
    String groupSegment() {
      String pkg = fullName.substring(0, fullName.lastIndexOf('.'));
      pkg = pkg.substring(0, pkg.lastIndexOf('.'));
      return pkg.substring(pkg.lastIndexOf('.') + 1);
    }

    @Override
    public String toString() {
      return fullName;
    }
  }

  private static volatile ProtoSchema instance;

  private final Map<String, Message> messages;
  private final Map<String, List<Message>> bySimpleName = new HashMap<>();

  private ProtoSchema(Map<String, Message> messages) {
    this.messages = messages;
    for (Message m : messages.values()) {
      if (!m.mapEntry) {
        bySimpleName.computeIfAbsent(m.simpleName(), k -> new ArrayList<>()).add(m);
      }
    }
  }

  static ProtoSchema get() {
    ProtoSchema s = instance;
    if (s == null) {
      synchronized (ProtoSchema.class) {
        s = instance;
        if (s == null) {
          s = load();
          instance = s;
        }
      }
    }
    return s;
  }

  Message message(String fullName) {
    return messages.get(fullName);
  }

  java.util.Collection<Message> messages() {
    return messages.values();
  }

  List<Message> bySimpleName(String simpleName) {
    return bySimpleName.getOrDefault(simpleName, List.of());
  }

  /**
   * The union of every release's messages (1.30 to master), from Kubernetes' own {@code .proto}
   * files: a field any release defines is known, so an object from a newer or older server is
   * decoded whole. No release reuses a field number with another type, so the union is exact.
   */
  private static ProtoSchema load() {
    KubeProtoSchemas union = KubeProtoSchemas.union();
    Map<String, Message> messages = new HashMap<>(4096);
    for (String name : union.messageNames()) {
      Descriptor d = union.message(name).orElseThrow();
      List<Field> fields = new ArrayList<>(d.getFields().size());
      for (FieldDescriptor f : d.getFields()) {
        fields.add(
            new Field(
                f.getNumber(),
                f.getName(),
                type(f),
                f.isRepeated(),
                f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    ? f.getMessageType().getFullName()
                    : null));
      }
      messages.put(name, new Message(name, d.getOptions().getMapEntry(), fields));
    }
    // The vendored .proto files are those of kubernetes/api, apimachinery and kube-aggregator;
    // apiextensions-apiserver's (CustomResourceDefinition) come from client-java-proto's
    // descriptors, as before, for messages the union lacks.
    Map<String, List<Field>> older = new LinkedHashMap<>(2048);
    Map<String, Boolean> olderMapEntries = new HashMap<>(2048);
    read("kubernetes-proto.schema", older, olderMapEntries);
    older.forEach(
        (name, fs) -> messages.putIfAbsent(name, new Message(name, olderMapEntries.get(name), fs)));
    return new ProtoSchema(Map.copyOf(messages));
  }

  private static void read(
      String resource, Map<String, List<Field>> fields, Map<String, Boolean> mapEntries) {
    try (InputStream in = ProtoSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " missing from the classpath");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      List<Field> current = null;
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isEmpty() || line.charAt(0) == '#') {
          continue;
        }
        String[] p = line.split(" ");
        if (p[0].equals("M")) {
          current = fields.computeIfAbsent(p[1], k -> new ArrayList<>());
          mapEntries.merge(p[1], p.length > 2 && p[2].equals("map"), Boolean::logicalOr);
          continue;
        }
        boolean repeated = p.length > 3 && p[3].equals("r");
        String type = p[p.length - 1].contains(".") ? p[p.length - 1] : null;
        current.add(
            new Field(
                Integer.parseInt(p[0]),
                p[1],
                Type.valueOf(p[2].toUpperCase(Locale.ROOT)),
                repeated,
                type));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Type type(FieldDescriptor f) {
    return switch (f.getType()) {
      case DOUBLE -> Type.DOUBLE;
      case FLOAT -> Type.FLOAT;
      case INT64 -> Type.INT64;
      case UINT64 -> Type.UINT64;
      case INT32, ENUM -> Type.INT32;
      case FIXED64 -> Type.FIXED64;
      case FIXED32 -> Type.FIXED32;
      case BOOL -> Type.BOOL;
      case STRING -> Type.STRING;
      case MESSAGE, GROUP -> Type.MESSAGE;
      case BYTES -> Type.BYTES;
      case UINT32 -> Type.UINT32;
      case SFIXED32 -> Type.SFIXED32;
      case SFIXED64 -> Type.SFIXED64;
      case SINT32 -> Type.SINT32;
      case SINT64 -> Type.SINT64;
    };
  }
}
