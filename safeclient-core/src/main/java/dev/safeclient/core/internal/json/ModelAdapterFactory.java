package dev.safeclient.core.internal.json;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gson adapters for the generated models that read in one streaming pass, bind the fields the model
 * knows, keep the ones it does not (in {@link UnknownFieldTable}), and leave a missing required
 * field null. Writing emits the known fields exactly as Gson's reflective adapter does (declaration
 * order, nulls left out), then the kept unknown fields of that very object.
 *
 * <p>client-java's own adapter for each model parses every object to a tree and validates it, again
 * at each nesting level; this one reads each token once.
 */
final class ModelAdapterFactory implements TypeAdapterFactory {
  @Override
  @SuppressWarnings("unchecked")
  public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> token) {
    ModelType model = ModelType.of(token.getRawType());
    if (model == null) {
      return null;
    }
    return (TypeAdapter<T>) new ModelAdapter(gson, model);
  }

  private static final class ModelAdapter extends TypeAdapter<Object> {
    private final ModelType model;
    private final TypeAdapter<JsonElement> elements;
    private final TypeAdapter<?>[] adapters;

    ModelAdapter(Gson gson, ModelType model) {
      this.model = model;
      this.elements = gson.getAdapter(JsonElement.class);
      this.adapters = new TypeAdapter<?>[model.bindings.length];
      for (ModelType.Binding b : model.bindings) {
        adapters[b.index] = gson.getAdapter(TypeToken.get(b.type));
      }
    }

    @Override
    public Object read(JsonReader in) throws IOException {
      if (in.peek() == JsonToken.NULL) {
        in.nextNull();
        return null;
      }
      if (model.status) {
        return readStatus(in);
      }
      return readFields(in);
    }

    /**
     * client-java's V1StatusPreProcessor: where the API declares V1Status, a server may answer with
     * something else (DeleteCollection hands back the deleted list). client-java then decodes what
     * fits, with status left null, and without complaint; so do we, without SC203 noise and without
     * keeping fields of an object that is not a Status.
     */
    private Object readStatus(JsonReader in) throws IOException {
      JsonElement tree = elements.read(in);
      TypeAdapter<Object> fields =
          new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, Object value) {
              throw new UnsupportedOperationException();
            }

            @Override
            public Object read(JsonReader tree) throws IOException {
              return readFields(tree);
            }
          };
      if (isKubernetesStatus(tree)) {
        return fields.fromJsonTree(tree);
      }
      DecodeContext discarded = DecodeContext.open(model.name, true);
      try {
        return fields.fromJsonTree(tree);
      } finally {
        discarded.close();
      }
    }

    private static boolean isKubernetesStatus(JsonElement tree) {
      if (!tree.isJsonObject()) {
        return true; // not an object at all: let the normal path fail on it
      }
      JsonElement kind = tree.getAsJsonObject().get("kind");
      JsonElement apiVersion = tree.getAsJsonObject().get("apiVersion");
      return kind != null
          && apiVersion != null
          && kind.isJsonPrimitive()
          && apiVersion.isJsonPrimitive()
          && "Status".equals(kind.getAsString())
          && "v1".equals(apiVersion.getAsString());
    }

    private Object readFields(JsonReader in) throws IOException {
      DecodeContext ctx = DecodeContext.current();
      Object obj = model.newInstance();
      Map<String, JsonElement> unknown = null;
      long seenRequired = 0;
      in.beginObject();
      if (ctx != null) {
        ctx.enter(model);
      }
      try {
        while (in.hasNext()) {
          String name = in.nextName();
          ModelType.Binding b = model.binding(name);
          if (b != null) {
            if (model.status && b.json.equals("status") && in.peek() == JsonToken.BEGIN_OBJECT) {
              in.skipValue(); // an object's status in place of a Status's: see readStatus
              continue;
            }
            if (ctx != null) {
              ctx.field(b.pathSegment);
            }
            b.set(obj, adapters[b.index].read(in));
            seenRequired |= b.requiredBit;
          } else if (model.excluded(name)) {
            in.skipValue();
          } else {
            if (unknown == null) {
              unknown = new LinkedHashMap<>();
            }
            unknown.put(name, elements.read(in));
          }
        }
        in.endObject();
        if (ctx != null && ctx.discarding) {
          // Not a Status at all but an object in its place (see readStatus): nothing of it can
          // be written back through a V1Status, and it is not version skew.
          return obj;
        }
        if (ctx != null) {
          if (unknown != null) {
            for (String name : unknown.keySet()) {
              ctx.unknownField(model, name);
            }
          }
          if (seenRequired != model.allRequired()) {
            for (String name : model.missingRequired(seenRequired)) {
              ctx.missingRequired(model, name);
            }
          }
        }
      } finally {
        if (ctx != null) {
          ctx.exit();
        }
      }
      if (unknown != null) {
        UnknownFieldTable.put(obj, java.util.Collections.unmodifiableMap(unknown));
      } else if (model.kubernetesObject) {
        UnknownFieldTable.put(obj, Map.of());
      }
      return obj;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void write(JsonWriter out, Object value) throws IOException {
      if (value == null) {
        out.nullValue();
        return;
      }
      out.beginObject();
      for (ModelType.Binding b : model.bindings) {
        Object v = b.get(value);
        if (v == null) {
          // As Gson's reflective adapter: the name, then a null the writer drops unless it was
          // told to serialize nulls.
          out.name(b.json);
          out.nullValue();
          continue;
        }
        out.name(b.json);
        ((TypeAdapter) adapters[b.index]).write(out, v);
      }
      Map<String, JsonElement> unknown = UnknownFieldTable.get(value);
      if (unknown != null) {
        for (Map.Entry<String, JsonElement> e : unknown.entrySet()) {
          ModelType.Binding known = model.binding(e.getKey());
          if (known != null && isSet(known.get(value))) {
            continue; // a field kept whole because client-java could not bind it; set since
          }
          out.name(e.getKey());
          elements.write(out, e.getValue());
        }
      }
      out.endObject();
    }

    /** The generated models start each list as an empty one: that is not a value set. */
    private static boolean isSet(Object v) {
      return v != null
          && !(v instanceof java.util.Collection<?> c && c.isEmpty())
          && !(v instanceof Map<?, ?> m && m.isEmpty());
    }
  }
}
