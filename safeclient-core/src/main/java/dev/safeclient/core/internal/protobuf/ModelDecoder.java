package dev.safeclient.core.internal.protobuf;

import com.google.gson.JsonElement;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.protobuf.ModelBinding.FieldBinding;
import dev.safeclient.core.internal.protobuf.ModelBinding.ValueReader;
import dev.safeclient.model.GoJsonFields;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Protobuf messages straight into client-java models through {@link ModelBinding}s: no
 * generated message classes, no JSON in between. One instance per decode; not thread-safe.
 */
final class ModelDecoder {
  /**
   * Kubernetes objects nest about 15 messages deep (JSONSchemaProps somewhat more); the bound only
   * keeps hostile input from exhausting the stack.
   */
  static final int MAX_DEPTH = 100;

  /**
   * Quantities parsed in this one response, by text. client-java's parse compiles a regex and does
   * BigDecimal arithmetic each time, and a list repeats the same few requests/limits thousands of
   * times. Quantity has no mutators, so sharing one instance within a response is safe; the bound
   * keeps a hostile body from growing it without end.
   */
  private static final int MAX_CACHED_QUANTITIES = 256;

  private final Map<String, Quantity> quantities = new java.util.HashMap<>();
  private final UnknownFieldSink unknown;
  private final KeptFields kept;
  private GoJsonFields.Release rendering = GoJsonFields.newest();
  private ProtobufJsonTree keptTree;
  private int depth;

  /** The model classes of the objects being filled, root first: where a kept field lies. */
  private Class<?>[] path = new Class<?>[16];

  private int pathDepth;

  /**
   * The largest message directly inside the root (a list's items and its metadata): the per-object
   * cap of a list read as a stream, whose own length is not capped.
   */
  private int maxItemBytes = Integer.MAX_VALUE;

  private ItemListener items;

  /** Told of each item of the root list as soon as it is decoded. */
  @FunctionalInterface
  interface ItemListener {
    void item(Object item) throws IOException;
  }

  ModelDecoder(UnknownFieldSink unknown) {
    this(unknown, null);
  }

  /**
   * @param kept where fields the models lack are kept; null to skip them as unknown
   */
  ModelDecoder(UnknownFieldSink unknown, KeptFields kept) {
    this.unknown = unknown;
    this.kept = kept;
  }

  /** The Go json tags the kept fields' zero and nil values are rendered with. */
  ModelDecoder rendering(GoJsonFields.Release release) {
    this.rendering = release;
    return this;
  }

  /** Caps each message directly inside the root, such as each item of a list. */
  ModelDecoder maxItemBytes(int max) {
    this.maxItemBytes = max;
    return this;
  }

  ModelDecoder items(ItemListener listener) {
    this.items = listener;
    return this;
  }

  /** Fills a new instance of the binding's class from the whole remaining input. */
  Object readRoot(CodedInputStream in, ModelBinding b) throws IOException {
    Object target = b.newInstance();
    fill(in, b, target);
    return target;
  }

  private void fill(CodedInputStream in, ModelBinding b, Object target) throws IOException {
    if (pathDepth == path.length) {
      path = java.util.Arrays.copyOf(path, pathDepth * 2);
    }
    path[pathDepth++] = b.type;
    try {
      fillFields(in, b, target);
    } finally {
      pathDepth--;
    }
  }

  private void fillFields(CodedInputStream in, ModelBinding b, Object target) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      int number = WireFormat.getTagFieldNumber(tag);
      int wireType = WireFormat.getTagWireType(tag);
      FieldBinding fb = b.field(number);
      if (fb == null) {
        unknown.unknownField(b.message.fullName + "#" + number);
        skip(in, tag);
        continue;
      }
      try {
        readField(in, fb, wireType, target);
      } catch (IllegalAccessException e) {
        throw new ProtobufDecodeException("cannot set " + fb.unknownKey, e);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void readField(CodedInputStream in, FieldBinding fb, int wireType, Object target)
      throws IOException, IllegalAccessException {
    switch (fb.mode) {
      case SET -> {
        expectWireType(fb.proto, wireType, fb.proto.type.wireType);
        Object v = readValue(in, fb.value);
        if (!(fb.omitZero && isZero(v))) {
          fb.field.set(target, v);
        }
      }
      case LIST -> {
        List<Object> list = (List<Object>) fb.field.get(target);
        if (list == null) {
          list = new ArrayList<>();
          fb.field.set(target, list);
        }
        readRepeated(in, fb.value, wireType, list);
        if (items != null && pathDepth == 1 && fb.value.kind == ValueReader.Kind.MESSAGE) {
          items.item(list.get(list.size() - 1));
        }
      }
      case MAP -> {
        expectWireType(fb.proto, wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        Map<Object, Object> map = (Map<Object, Object>) fb.field.get(target);
        if (map == null) {
          map = new LinkedHashMap<>();
          fb.field.set(target, map);
        }
        readMapEntry(in, fb.mapKey, fb.value, map);
      }
      case INLINE -> {
        expectWireType(fb.proto, wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        int old = enter(in);
        fill(in, fb.inline(), target);
        leave(in, old);
      }
      case SKIP -> skip(in, (fb.proto.number << 3) | wireType);
      case KEEP -> keep(in, fb, wireType, target);
      case UNKNOWN -> {
        unknown.unknownField(fb.unknownKey);
        skip(in, (fb.proto.number << 3) | wireType);
      }
    }
  }

  /**
   * A field the model lacks: rendered in Kubernetes' JSON form beside the object, or, without a
   * place to keep it, skipped as unknown.
   */
  private void keep(CodedInputStream in, FieldBinding fb, int wireType, Object target)
      throws IOException {
    int tag = (fb.proto.number << 3) | wireType;
    if (kept == null) {
      unknown.unknownField(fb.unknownKey);
      skip(in, tag);
      return;
    }
    if (keptTree == null) {
      keptTree = new ProtobufJsonTree(unknown, true, rendering, Integer.MAX_VALUE);
    }
    ProtoSchema.Message m = fb.owner.message;
    keptTree.field(in, m, fb.proto, tag, kept.of(target));
    kept.found(
        fb.owner.type.getSimpleName() + "." + ProtobufJsonTree.jsonName(m, fb.proto),
        path,
        pathDepth);
  }

  private void readRepeated(CodedInputStream in, ValueReader r, int wireType, List<Object> list)
      throws IOException {
    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && r.proto.type.isPackable()) {
      int old = in.pushLimit(length(in));
      while (in.getBytesUntilLimit() > 0) {
        list.add(readValue(in, r));
      }
      in.popLimit(old);
      return;
    }
    expectWireType(r.proto, wireType, r.proto.type.wireType);
    list.add(readValue(in, r));
  }

  private void readMapEntry(
      CodedInputStream in, ValueReader key, ValueReader value, Map<Object, Object> map)
      throws IOException {
    int old = enter(in);
    Object k = null;
    Object v = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      int n = WireFormat.getTagFieldNumber(tag);
      if (n == 1) {
        expectWireType(key.proto, WireFormat.getTagWireType(tag), key.proto.type.wireType);
        k = readValue(in, key);
      } else if (n == 2) {
        expectWireType(value.proto, WireFormat.getTagWireType(tag), value.proto.type.wireType);
        v = readValue(in, value);
      } else {
        skip(in, tag);
      }
    }
    leave(in, old);
    if (k == null) {
      k = zeroOf(key);
    }
    if (v == null) {
      v = zeroOf(value);
    }
    map.put(k, v);
  }

  /** Go writes every map entry's value, even a zero one; a missing one decodes as that zero. */
  private Object zeroOf(ValueReader r) throws IOException {
    return switch (r.kind) {
      case STRING -> "";
      case BYTES -> new byte[0];
      case INT32 -> 0;
      case INT64 -> 0L;
      case BOOL -> Boolean.FALSE;
      case DOUBLE -> 0.0;
      case MESSAGE -> r.binding().newInstance();
      case WRAPPED_LIST -> new ArrayList<>();
      default -> null;
    };
  }

  private Object readValue(CodedInputStream in, ValueReader r) throws IOException {
    switch (r.kind) {
      case STRING:
        return in.readString();
      case BYTES:
        return in.readByteArray();
      case BOOL:
        return in.readBool();
      case INT32:
        return (int) readNumber(in, r.proto.type);
      case INT64:
        return readNumber(in, r.proto.type);
      case DOUBLE:
        return r.proto.type == ProtoSchema.Type.FLOAT ? (double) in.readFloat() : in.readDouble();
      case MESSAGE:
        {
          ModelBinding b = r.binding();
          int old = enter(in);
          Object o = b.newInstance();
          fill(in, b, o);
          leave(in, old);
          return o;
        }
      case TIME:
        return readTime(in);
      case QUANTITY:
        {
          int old = enter(in);
          String s = null;
          while (true) {
            int tag = in.readTag();
            if (tag == 0) {
              break;
            }
            if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
              s = in.readString();
            } else {
              skip(in, tag);
            }
          }
          leave(in, old);
          return s == null ? null : quantity(s);
        }
      case INT_OR_STRING:
        return readIntOrString(in);
      case RAW_JSON:
        {
          byte[] raw = readRaw(in);
          JsonElement tree = ProtobufJsonTree.rawToTree(raw, unknown);
          return tree == null ? null : JSON.getGson().fromJson(tree, r.javaType);
        }
      case TREE:
        {
          int old = enter(in);
          JsonElement tree =
              new ProtobufJsonTree(unknown)
                  .message(in, ProtoSchema.get().message(r.proto.messageType));
          leave(in, old);
          return JSON.getGson().fromJson(tree, r.javaType);
        }
      case WRAPPED_LIST:
        {
          int old = enter(in);
          List<Object> list = new ArrayList<>();
          while (true) {
            int tag = in.readTag();
            if (tag == 0) {
              break;
            }
            if (WireFormat.getTagFieldNumber(tag) == r.element.proto.number) {
              readRepeated(in, r.element, WireFormat.getTagWireType(tag), list);
            } else {
              skip(in, tag);
            }
          }
          leave(in, old);
          return list;
        }
      default:
        throw new IllegalStateException(r.kind.toString());
    }
  }

  private Quantity quantity(String s) {
    Quantity q = quantities.get(s);
    if (q == null) {
      q = Quantity.fromString(s);
      if (quantities.size() < MAX_CACHED_QUANTITIES) {
        quantities.put(s, q);
      }
    }
    return q;
  }

  static long readNumber(CodedInputStream in, ProtoSchema.Type t) throws IOException {
    return switch (t) {
      case INT32 -> in.readInt32();
      case UINT32 -> in.readUInt32();
      case SINT32 -> in.readSInt32();
      case FIXED32 -> in.readFixed32();
      case SFIXED32 -> in.readSFixed32();
      case INT64 -> in.readInt64();
      case UINT64 -> in.readUInt64();
      case SINT64 -> in.readSInt64();
      case FIXED64 -> in.readFixed64();
      case SFIXED64 -> in.readSFixed64();
      default -> throw new ProtobufDecodeException("not a number type: " + t);
    };
  }

  /** metav1.Time / MicroTime {1 seconds, 2 nanos}; an empty message is Go's zero time: null. */
  OffsetDateTime readTime(CodedInputStream in) throws IOException {
    int old = enter(in);
    long seconds = 0;
    int nanos = 0;
    boolean any = false;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == ((1 << 3) | WireFormat.WIRETYPE_VARINT)) {
        seconds = in.readInt64();
        any = true;
      } else if (tag == ((2 << 3) | WireFormat.WIRETYPE_VARINT)) {
        nanos = in.readInt32();
        any = true;
      } else {
        skip(in, tag);
      }
    }
    leave(in, old);
    if (!any) {
      return null;
    }
    if (nanos < 0 || nanos > 999_999_999) {
      throw new ProtobufDecodeException("time with nanos out of range: " + nanos);
    }
    return OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.UTC);
  }

  /** intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
  IntOrString readIntOrString(CodedInputStream in) throws IOException {
    int old = enter(in);
    long type = 0;
    int intVal = 0;
    String strVal = "";
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_VARINT -> type = in.readInt64();
        case (2 << 3) | WireFormat.WIRETYPE_VARINT -> intVal = in.readInt32();
        case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> strVal = in.readString();
        default -> skip(in, tag);
      }
    }
    leave(in, old);
    return type == 1 ? new IntOrString(strVal) : new IntOrString(intVal);
  }

  /** The {@code raw} bytes of a RawExtension-like message {1 bytes raw}; empty if absent. */
  byte[] readRaw(CodedInputStream in) throws IOException {
    int old = enter(in);
    byte[] raw = new byte[0];
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        raw = in.readByteArray();
      } else {
        skip(in, tag);
      }
    }
    leave(in, old);
    return raw;
  }

  /** Reads a length prefix and limits the input to it; pairs with {@link #leave}. */
  int enter(CodedInputStream in) throws IOException {
    if (++depth > MAX_DEPTH) {
      throw new ProtobufDecodeException("messages nested deeper than " + MAX_DEPTH);
    }
    int length = length(in);
    if (depth == 1 && length > maxItemBytes) {
      throw new ProtobufDecodeException(
          "list item of " + length + " bytes exceeds the maximum of " + maxItemBytes);
    }
    return in.pushLimit(length);
  }

  void leave(CodedInputStream in, int oldLimit) throws ProtobufDecodeException {
    depth--;
    expectEndOfLimit(in, "message");
    in.popLimit(oldLimit);
  }

  /**
   * A message read to its end must have ended at its declared length: read from a stream, input
   * that ends early looks like the end of the message (protobuf-java's own readMessage checks the
   * same).
   */
  static void expectEndOfLimit(CodedInputStream in, String what) throws ProtobufDecodeException {
    if (in.getBytesUntilLimit() != 0) {
      throw new ProtobufDecodeException(
          what + " cut short: the input ended " + in.getBytesUntilLimit() + " bytes early");
    }
  }

  static int length(CodedInputStream in) throws IOException {
    int len = in.readRawVarint32();
    if (len < 0) {
      throw new ProtobufDecodeException("negative length " + len);
    }
    return len;
  }

  static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new ProtobufDecodeException("unexpected end-group tag " + tag);
    }
  }

  static void expectWireType(ProtoSchema.Field f, int actual, int expected)
      throws ProtobufDecodeException {
    if (actual != expected) {
      throw new ProtobufDecodeException(
          "field "
              + f.name
              + " ("
              + f.number
              + "): wire type "
              + actual
              + ", expected "
              + expected);
    }
  }

  private static boolean isZero(Object v) {
    if (v instanceof String s) {
      return s.isEmpty();
    }
    if (v instanceof Integer i) {
      return i == 0;
    }
    if (v instanceof Long l) {
      return l == 0L;
    }
    if (v instanceof Boolean b) {
      return !b;
    }
    if (v instanceof Double d) {
      return d == 0.0;
    }
    return false;
  }
}
