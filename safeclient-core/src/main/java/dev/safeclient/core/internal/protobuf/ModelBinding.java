package dev.safeclient.core.internal.protobuf;

import com.google.gson.annotations.SerializedName;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How one Protobuf message fills one client-java model class: for each field number, the model
 * field and how to read its value. Built once per (class, message) by matching the Protobuf field
 * name with the model's JSON name ({@code @SerializedName}), then cached for the life of the JVM.
 */
final class ModelBinding {
  /** client-java 27 drops managedFields on decode unless this property is set (read once, too). */
  static final boolean INCLUDE_MANAGED_FIELDS =
      Boolean.getBoolean("kubernetes.client.includeManagedFields");

  private static final ConcurrentHashMap<String, ModelBinding> CACHE = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Class<?>, Map<String, java.lang.reflect.Field>> FIELDS =
      new ConcurrentHashMap<>();

  final Class<?> type;
  final ProtoSchema.Message message;
  private final Supplier<Object> constructor;
  final FieldBinding[] byNumber;
  final java.lang.reflect.Field apiVersionField;
  final java.lang.reflect.Field kindField;

  private ModelBinding(Class<?> type, ProtoSchema.Message message) {
    this.type = type;
    this.message = message;
    this.constructor = constructorOf(type);
    Map<String, java.lang.reflect.Field> fields = modelFields(type);
    this.apiVersionField = fields.get("apiVersion");
    this.kindField = fields.get("kind");
    this.byNumber = new FieldBinding[message.maxNumber() + 1];
    for (ProtoSchema.Field pf : message.fields) {
      byNumber[pf.number] = FieldBinding.of(this, pf, fields);
    }
  }

  static ModelBinding of(Class<?> type, ProtoSchema.Message message) {
    String key = type.getName() + '|' + message.fullName;
    ModelBinding b = CACHE.get(key);
    if (b == null) {
      b = CACHE.computeIfAbsent(key, k -> new ModelBinding(type, message));
    }
    return b;
  }

  Object newInstance() {
    return constructor.get();
  }

  /**
   * The model's public no-arg constructor as a lambda: a plain call once JIT-compiled, where
   * reflective {@code newInstance} costs a few percent of a whole list decode.
   */
  @SuppressWarnings("unchecked")
  private static Supplier<Object> constructorOf(Class<?> type) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      MethodHandle ctor = lookup.findConstructor(type, MethodType.methodType(void.class));
      return (Supplier<Object>)
          LambdaMetafactory.metafactory(
                  lookup,
                  "get",
                  MethodType.methodType(Supplier.class),
                  MethodType.methodType(Object.class),
                  ctor,
                  MethodType.methodType(type))
              .getTarget()
              .invoke();
    } catch (Throwable e) {
      throw new IllegalArgumentException(type + " has no public no-arg constructor", e);
    }
  }

  FieldBinding field(int number) {
    return number < byNumber.length ? byNumber[number] : null;
  }

  /** A class the decoder fills field by field: a generated model. */
  static boolean isModel(Type t) {
    return t instanceof Class<?> c
        && c.getName().startsWith("io.kubernetes.client.openapi.models.")
        && !c.isEnum();
  }

  /** The model's fields by JSON name. */
  static Map<String, java.lang.reflect.Field> modelFields(Class<?> type) {
    return FIELDS.computeIfAbsent(
        type,
        t -> {
          Map<String, java.lang.reflect.Field> m = new HashMap<>();
          for (java.lang.reflect.Field f : t.getDeclaredFields()) {
            SerializedName n = f.getAnnotation(SerializedName.class);
            if (n != null && !Modifier.isStatic(f.getModifiers())) {
              f.setAccessible(true);
              m.put(n.value(), f);
            }
          }
          return Map.copyOf(m);
        });
  }

  /**
   * The model field of a Protobuf field. Names match except where go-to-protobuf spelled the Go
   * name instead of the JSON one ({@code uID}, {@code aPIGroup}, {@code Webhooks}): those match
   * ignoring case.
   */
  static java.lang.reflect.Field modelField(
      Map<String, java.lang.reflect.Field> fields, String protoName) {
    java.lang.reflect.Field f = fields.get(protoName);
    if (f == null && jsonAlias(protoName) != null) {
      f = fields.get(jsonAlias(protoName));
    }
    if (f == null) {
      for (Map.Entry<String, java.lang.reflect.Field> e : fields.entrySet()) {
        if (e.getKey().equalsIgnoreCase(protoName)) {
          return e.getValue();
        }
      }
    }
    return f;
  }

  /**
   * The JSON name of a Protobuf field where the two differ: go-to-protobuf cannot use {@code $} or
   * {@code -} in names ({@code $ref}, {@code x-kubernetes-embedded-resource} of JSONSchemaProps).
   */
  static String jsonAlias(String protoName) {
    if (protoName.equals("ref") || protoName.equals("schema")) {
      return "$" + protoName;
    }
    if (protoName.startsWith("xKubernetes")) {
      StringBuilder b = new StringBuilder("x");
      for (char c : protoName.substring(1).toCharArray()) {
        if (Character.isUpperCase(c)) {
          b.append('-').append(Character.toLowerCase(c));
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }
    return null;
  }

  /** One Protobuf field of a binding. */
  static final class FieldBinding {
    enum Mode {
      SET,
      LIST,
      MAP,
      /** A Go struct embedded inline: its fields belong to the same model object. */
      INLINE,
      /** Known, but dropped on purpose (managedFields, as client-java's JSON does). */
      SKIP,
      /**
       * In the schema, not in the model (a newer server's field): rendered to its JSON form and
       * kept beside the object, as the JSON path keeps unknown JSON fields (SC203).
       */
      KEEP,
      /** Not readable into the model's field (its Java type does not fit): skipped and counted. */
      UNKNOWN
    }

    final ModelBinding owner;
    final ProtoSchema.Field proto;
    final Mode mode;
    final java.lang.reflect.Field field;
    final ValueReader value;
    final ValueReader mapKey;
    final boolean omitZero;
    final String unknownKey;
    private final Class<?> inlineClass;
    private volatile ModelBinding inline;

    private FieldBinding(
        ModelBinding owner,
        ProtoSchema.Field proto,
        Mode mode,
        java.lang.reflect.Field field,
        ValueReader value,
        ValueReader mapKey,
        boolean omitZero,
        Class<?> inlineClass) {
      this.owner = owner;
      this.proto = proto;
      this.mode = mode;
      this.field = field;
      this.value = value;
      this.mapKey = mapKey;
      this.omitZero = omitZero;
      this.unknownKey = owner.message.fullName + "." + proto.name;
      this.inlineClass = inlineClass;
    }

    ModelBinding inline() {
      ModelBinding b = inline;
      if (b == null) {
        b = ModelBinding.of(inlineClass, ProtoSchema.get().message(proto.messageType));
        inline = b;
      }
      return b;
    }

    static FieldBinding of(
        ModelBinding owner, ProtoSchema.Field pf, Map<String, java.lang.reflect.Field> fields) {
      String msg = owner.message.fullName;
      if (!INCLUDE_MANAGED_FIELDS
          && pf.name.equals("managedFields")
          && msg.equals(ProtoSchema.OBJECT_META)) {
        return new FieldBinding(owner, pf, Mode.SKIP, null, null, null, false, null);
      }
      java.lang.reflect.Field f = modelField(fields, pf.name);
      if (f == null) {
        if (pf.type == ProtoSchema.Type.MESSAGE && !pf.repeated && isInline(pf, fields)) {
          return new FieldBinding(owner, pf, Mode.INLINE, null, null, null, false, owner.type);
        }
        return new FieldBinding(owner, pf, Mode.KEEP, null, null, null, false, null);
      }
      Type jt = f.getGenericType();
      ProtoSchema.Message pm =
          pf.messageType == null ? null : ProtoSchema.get().message(pf.messageType);
      if (pf.repeated && pm != null && pm.mapEntry) {
        if (!(jt instanceof ParameterizedType p) || p.getRawType() != Map.class) {
          return unknown(owner, pf);
        }
        ValueReader k = ValueReader.of(pm.field(1), p.getActualTypeArguments()[0]);
        ValueReader v = ValueReader.of(pm.field(2), p.getActualTypeArguments()[1]);
        if (k == null || v == null) {
          return unknown(owner, pf);
        }
        return new FieldBinding(owner, pf, Mode.MAP, f, v, k, false, null);
      }
      if (pf.repeated) {
        if (!(jt instanceof ParameterizedType p) || p.getRawType() != List.class) {
          return unknown(owner, pf);
        }
        ValueReader v = ValueReader.of(pf, p.getActualTypeArguments()[0]);
        return v == null
            ? unknown(owner, pf)
            : new FieldBinding(owner, pf, Mode.LIST, f, v, null, false, null);
      }
      ValueReader v = ValueReader.of(pf, jt);
      if (v == null) {
        return unknown(owner, pf);
      }
      boolean omitZero =
          pf.type != ProtoSchema.Type.MESSAGE && GoOmitEmptyFields.contains(msg, pf.name);
      return new FieldBinding(owner, pf, Mode.SET, f, v, null, omitZero, null);
    }

    /**
     * An embedded Go struct: the field itself is unknown to the model, but its message's fields
     * (or, recursively, their own embedded structs') are the model's.
     */
    static boolean isInline(ProtoSchema.Field pf, Map<String, java.lang.reflect.Field> fields) {
      return isInline(pf, fields, 0);
    }

    private static boolean isInline(
        ProtoSchema.Field pf, Map<String, java.lang.reflect.Field> fields, int depth) {
      ProtoSchema.Message sub = ProtoSchema.get().message(pf.messageType);
      if (sub == null || sub.fields.isEmpty() || depth > 3) {
        return false;
      }
      for (ProtoSchema.Field sf : sub.fields) {
        if (modelField(fields, sf.name) == null
            && !(sf.type == ProtoSchema.Type.MESSAGE
                && !sf.repeated
                && isInline(sf, fields, depth + 1))) {
          return false;
        }
      }
      return true;
    }

    private static FieldBinding unknown(ModelBinding owner, ProtoSchema.Field pf) {
      return new FieldBinding(owner, pf, Mode.UNKNOWN, null, null, null, false, null);
    }
  }

  /** How to read one value of a field, a list element or a map key/value into a Java type. */
  static final class ValueReader {
    enum Kind {
      STRING,
      INT32,
      INT64,
      BOOL,
      DOUBLE,
      BYTES,
      MESSAGE,
      TIME,
      QUANTITY,
      INT_OR_STRING,
      RAW_JSON,
      TREE,
      WRAPPED_LIST
    }

    final Kind kind;
    final ProtoSchema.Field proto;
    final Type javaType;

    /** For WRAPPED_LIST: the one repeated field of the wrapper message. */
    final ValueReader element;

    private final Class<?> modelClass;
    private volatile ModelBinding binding;

    private ValueReader(
        Kind kind, ProtoSchema.Field proto, Type javaType, ValueReader element, Class<?> model) {
      this.kind = kind;
      this.proto = proto;
      this.javaType = javaType;
      this.element = element;
      this.modelClass = model;
    }

    ModelBinding binding() {
      ModelBinding b = binding;
      if (b == null) {
        b = ModelBinding.of(modelClass, ProtoSchema.get().message(proto.messageType));
        binding = b;
      }
      return b;
    }

    /** The reader, or null when the Protobuf and Java types do not fit together. */
    static ValueReader of(ProtoSchema.Field pf, Type jt) {
      if (pf == null) {
        return null;
      }
      switch (pf.type) {
        case STRING:
          return jt == String.class ? new ValueReader(Kind.STRING, pf, jt, null, null) : null;
        case BYTES:
          return jt == byte[].class ? new ValueReader(Kind.BYTES, pf, jt, null, null) : null;
        case BOOL:
          return jt == Boolean.class ? new ValueReader(Kind.BOOL, pf, jt, null, null) : null;
        case DOUBLE:
        case FLOAT:
          return jt == Double.class || jt == Float.class
              ? new ValueReader(Kind.DOUBLE, pf, jt, null, null)
              : null;
        case INT32:
        case UINT32:
        case SINT32:
        case FIXED32:
        case SFIXED32:
        case INT64:
        case UINT64:
        case SINT64:
        case FIXED64:
        case SFIXED64:
          if (jt == Integer.class) {
            return new ValueReader(Kind.INT32, pf, jt, null, null);
          }
          if (jt == Long.class) {
            return new ValueReader(Kind.INT64, pf, jt, null, null);
          }
          return null;
        case MESSAGE:
          return messageReader(pf, jt);
        default:
          return null;
      }
    }

    private static ValueReader messageReader(ProtoSchema.Field pf, Type jt) {
      String m = pf.messageType;
      if (ProtoSchema.isTime(m)) {
        return jt == OffsetDateTime.class ? new ValueReader(Kind.TIME, pf, jt, null, null) : null;
      }
      if (ProtoSchema.QUANTITY.equals(m)) {
        return jt == Quantity.class ? new ValueReader(Kind.QUANTITY, pf, jt, null, null) : null;
      }
      if (ProtoSchema.INT_OR_STRING.equals(m)) {
        return jt == IntOrString.class
            ? new ValueReader(Kind.INT_OR_STRING, pf, jt, null, null)
            : null;
      }
      if (ProtoSchema.isRawJson(m)) {
        return new ValueReader(Kind.RAW_JSON, pf, jt, null, null);
      }
      if (jt == Object.class) {
        return new ValueReader(Kind.TREE, pf, jt, null, null);
      }
      if (jt instanceof ParameterizedType p && p.getRawType() == List.class) {
        ProtoSchema.Message wrapper = ProtoSchema.get().message(m);
        if (wrapper != null && wrapper.fields.size() == 1 && wrapper.fields.get(0).repeated) {
          ValueReader el = of(wrapper.fields.get(0), p.getActualTypeArguments()[0]);
          return el == null ? null : new ValueReader(Kind.WRAPPED_LIST, pf, jt, el, null);
        }
        return null;
      }
      if (isModel(jt) && ProtoSchema.get().message(m) != null) {
        return new ValueReader(Kind.MESSAGE, pf, jt, null, (Class<?>) jt);
      }
      return null;
    }
  }
}
