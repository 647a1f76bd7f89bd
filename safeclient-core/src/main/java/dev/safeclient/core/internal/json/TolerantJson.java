package dev.safeclient.core.internal.json;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.safeclient.core.internal.warning.WarningChannel;
import io.kubernetes.client.openapi.JSON;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.reflect.Type;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * JSON decoding of client-java's models that survives version skew without losing data.
 *
 * <p>client-java 27 throws on a field its models do not know and on a missing "required" field, so
 * a newer (or older) server breaks every call. This decodes anyway: unknown fields are kept, keyed
 * by the decoded object's identity, and {@link #encode} writes them back when that very object is
 * written (SC203 warns once per model and field). It uses its own {@link Gson}: client-java's
 * {@link JSON} is one static instance for the whole JVM and is never changed. Dates and byte arrays
 * use client-java's own adapters, so both paths decode to the same objects.
 *
 * <p>Thread-safe; one per {@code SafeClient} ({@code SafeClient#tolerantJson()}), shared by its
 * views and by modules that decode on their own (the informer's watch events).
 */
public final class TolerantJson {
  private static final Gson GSON = buildGson();

  private final UnknownFieldsRule unknownFields;

  /**
   * @param warnings where SC203 goes; null to decode without warnings
   */
  public TolerantJson(WarningChannel warnings) {
    this.unknownFields = new UnknownFieldsRule(warnings);
  }

  private static Gson buildGson() {
    Gson clientJava = JSON.getGson();
    return new GsonBuilder()
        .registerTypeAdapterFactory(new ModelAdapterFactory())
        .registerTypeAdapter(OffsetDateTime.class, clientJava.getAdapter(OffsetDateTime.class))
        .registerTypeAdapter(LocalDate.class, clientJava.getAdapter(LocalDate.class))
        .registerTypeAdapter(Date.class, clientJava.getAdapter(Date.class))
        .registerTypeAdapter(java.sql.Date.class, clientJava.getAdapter(java.sql.Date.class))
        .registerTypeAdapter(byte[].class, clientJava.getAdapter(byte[].class))
        .create();
  }

  /**
   * Decodes one JSON value into {@code type}, reading each token once.
   *
   * @param requestLine method, path and query of the call it came from, for SC203; may be null
   * @return the object, or null for a JSON {@code null}
   * @throws EOFException if the input holds no JSON value at all, or ends inside one
   * @throws IOException if the input is not JSON or does not fit the type; never a half-built
   *     object
   */
  public <T> T decode(Reader json, Type type, String requestLine) throws IOException {
    return decodeBody(json, type, () -> requestLine);
  }

  /** As above; the request line is made only if a warning needs it. */
  <T> T decodeBody(Reader json, Type type, Supplier<String> requestLine) throws IOException {
    JsonReader reader = new JsonReader(json);
    DecodeContext ctx = DecodeContext.open(typeName(type));
    try {
      if (isEmpty(reader)) {
        throw new EmptyJsonException();
      }
      T value = this.<T>adapter(type).read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new IOException("more data after the JSON value, at " + reader.getPath());
      }
      unknownFields.report(ctx, requestLine);
      return value;
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      throw notDecodable(type, e);
    } finally {
      ctx.close();
    }
  }

  /** As {@link #decode(Reader, Type, String)}, from a parsed tree (a watch event's object). */
  public <T> T decode(JsonElement json, Type type, String requestLine) throws IOException {
    DecodeContext ctx = DecodeContext.open(typeName(type));
    try {
      T value = this.<T>adapter(type).fromJsonTree(json);
      unknownFields.report(ctx, () -> requestLine);
      return value;
    } catch (RuntimeException e) {
      throw notDecodable(type, e);
    } finally {
      ctx.close();
    }
  }

  /**
   * Encodes a value as client-java would, plus the unknown fields kept for each decoded object in
   * it (the object itself and every nested one).
   */
  public String encode(Object value) {
    StringWriter out = new StringWriter();
    try {
      encode(value, out);
    } catch (IOException e) {
      throw new IllegalStateException("a StringWriter does not fail", e);
    }
    return out.toString();
  }

  /** As {@link #encode(Object)}, to a writer. */
  public void encode(Object value, Writer out) throws IOException {
    JsonWriter writer = GSON.newJsonWriter(out);
    writeTo(writer, value);
    writer.flush();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void writeTo(JsonWriter writer, Object value) throws IOException {
    if (value == null) {
      writer.nullValue();
      return;
    }
    ((TypeAdapter) GSON.getAdapter(value.getClass())).write(writer, value);
  }

  /**
   * The fields the server sent for this very object that its model does not know, by JSON name;
   * empty if none were kept (or it was not decoded here).
   */
  public static Map<String, JsonElement> unknownFields(Object decoded) {
    Map<String, JsonElement> m = decoded == null ? null : UnknownFieldTable.get(decoded);
    if (m == null || m.isEmpty()) {
      return Map.of();
    }
    Map<String, JsonElement> copy = new LinkedHashMap<>();
    m.forEach((k, v) -> copy.put(k, v.deepCopy()));
    return copy;
  }

  /**
   * For decoders of other encodings (Protobuf): {@code decoded} came out whole, with no field its
   * model could not hold, so an update of this very object loses nothing (no SC204).
   */
  public static void recordDecoded(Object decoded) {
    if (decoded != null && UnknownFieldTable.get(decoded) == null) {
      UnknownFieldTable.put(decoded, Map.of());
    }
  }

  /**
   * For decoders of other encodings (Protobuf): the fields {@code decoded} carried that its model
   * lacks, by JSON name, in their JSON form; written back when that very object is encoded.
   */
  public static void recordKeptFields(Object decoded, Map<String, JsonElement> fields) {
    UnknownFieldTable.put(decoded, java.util.Collections.unmodifiableMap(fields));
  }

  /**
   * For decoders of other encodings (Protobuf): what {@link #recordKeptFields} kept in one decode.
   * Warns SC203 once per field, as for JSON, and makes updates of copies meet SC204.
   *
   * @param within each model class on a path to a kept field, with the fields beneath it
   * @param fields every field kept, as {@code V1PodSpec.evictionResponders}
   */
  public void reportKeptFields(
      Map<Class<?>, Set<String>> within, Set<String> fields, String requestLine) {
    unknownFields.reportKept(within, fields, requestLine);
  }

  /**
   * For decoders of other encodings (Protobuf): an object of {@code rootType} carried a field its
   * model does not know and that cannot be kept (such as an unknown Protobuf field number). Warns
   * SC203 once per (type, field) and makes updates of objects of that type meet SC204; do not
   * {@link #recordDecoded} that object.
   *
   * @param field how to name the field in a warning, such as {@code V1PodSpec field 42}
   */
  public void recordUnkeptField(Class<?> rootType, String field, String requestLine) {
    unknownFields.reportUnkept(rootType, field, requestLine);
  }

  /**
   * Whether this object came out of a tolerant decode (an object, not a copy of one): only then can
   * its unknown fields, if any, be written back.
   */
  static boolean decodedHere(Object obj) {
    return UnknownFieldTable.get(obj) != null;
  }

  /**
   * The fields another decoder (Protobuf) could not keep in objects of this type: non-empty marks a
   * lossy kind, whose copies lack them.
   */
  public Set<String> unkeptFieldsWithin(Class<?> type) {
    return unknownFields.unkeptFieldsWithin(type);
  }

  /**
   * The unknown fields (as {@code V1PodSpec.evictionResponders}) that SC203 found in objects of
   * this type or nested in them; empty if none. Non-empty means an update of a copy loses data.
   */
  public Set<String> unknownFieldsWithin(Class<?> type) {
    return unknownFields.unknownFieldsWithin(type);
  }

  @SuppressWarnings("unchecked")
  private <T> TypeAdapter<T> adapter(Type type) {
    return (TypeAdapter<T>) GSON.getAdapter(TypeToken.get(type));
  }

  private static boolean isEmpty(JsonReader reader) throws IOException {
    try {
      reader.peek();
      return false;
    } catch (EOFException e) {
      return true; // nothing but whitespace: a value cut short fails later, with its path
    }
  }

  private static IOException notDecodable(Type type, RuntimeException e) {
    return new IOException(
        "cannot decode " + typeName(type) + " from JSON: " + firstLine(e.getMessage()), e);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static String typeName(Type type) {
    if (type instanceof Class<?> c) {
      return c.getSimpleName();
    }
    return type.getTypeName().replaceAll("[a-zA-Z0-9_$]+\\.", "");
  }
}
