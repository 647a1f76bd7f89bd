package dev.safeclient.core.internal.json;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;

/**
 * Where client-java binds a JSON tree a {@code SafeApiClient} returned into one of its models,
 * which is the one place the target type is known. {@code GenericKubernetesApi} reads a tree and
 * binds it with client-java's static, strict Gson ({@code JSON.getGson()}), which throws on a field
 * the model lacks. The tree is returned whole, so that whoever reads the tree itself ({@code
 * DynamicKubernetesApi}, a raw {@code ApiClient.execute(call, JsonObject.class)}) sees every field
 * the server sent, as with plain client-java. Only when such a tree is bound into its own kind's
 * model are the fields that model lacks taken out; they are kept for the very model object the
 * binding makes, in the side table the typed path uses ({@link UnknownFieldTable}), so that a PUT
 * of that object carries them for as long as it lives, with no expiry, and a copy of it meets SC204
 * as any copy does.
 *
 * <p>This needs a factory in client-java's static Gson, as {@code DynamicKubernetesApi}'s
 * constructor adds its own: it is added once (and again if that Gson is replaced), keeping every
 * adapter the Gson had. For every input other than a tree a {@code SafeApiClient} returned (a
 * streamed body, a watch line, any tree of the user's own) it hands straight to the adapter it
 * overrides, so no other client in the JVM sees a change.
 */
final class ClientJavaBinding implements TypeAdapterFactory {
  private static final ClientJavaBinding INSTANCE = new ClientJavaBinding();

  /** A type only this factory adapts: its adapter tells that the factory is installed. */
  private static final class Installed {}

  private static final TypeAdapter<Installed> INSTALLED =
      new TypeAdapter<>() {
        @Override
        public void write(JsonWriter out, Installed value) throws IOException {
          out.nullValue();
        }

        @Override
        public Installed read(JsonReader in) throws IOException {
          in.skipValue();
          return null;
        }
      };

  /**
   * The trees returned to callers, by identity and held weakly: a tree lives as long as its caller
   * holds it, and binding is normally right after the return.
   */
  private static final Cache<JsonObject, Returned> RETURNED =
      Caffeine.newBuilder().weakKeys().executor(Runnable::run).build();

  /**
   * Trees some of whose fields could not be rendered (a Protobuf field number no schema knows): an
   * object bound from one is not whole, so a PUT of it meets SC204 as a copy of a lossy kind does.
   */
  private static final Cache<JsonObject, Boolean> NOT_WHOLE =
      Caffeine.newBuilder().weakKeys().executor(Runnable::run).build();

  /** What to do when a returned tree is bound into {@code model}, its kind's client-java model. */
  record Returned(JsonBodyCodec codec, Class<?> model, String requestLine) {}

  private ClientJavaBinding() {}

  /** A tree a {@code SafeApiClient} is about to return; client-java may bind it next. */
  static void returned(JsonObject tree, Returned how) {
    install();
    RETURNED.put(tree, how);
  }

  /** A tree a decoder could not render whole; see {@link #NOT_WHOLE}. */
  static void notWhole(JsonObject tree) {
    NOT_WHOLE.put(tree, Boolean.TRUE);
  }

  /** Whether a decoder could not render {@code tree} whole. */
  static boolean isNotWhole(JsonObject tree) {
    return tree != null && NOT_WHOLE.asMap().containsKey(tree);
  }

  /** Adds this factory to client-java's static Gson unless it is there. */
  static void install() {
    if (installed()) {
      return;
    }
    synchronized (ClientJavaBinding.class) {
      if (!installed()) {
        JSON.setGson(JSON.getGson().newBuilder().registerTypeAdapterFactory(INSTANCE).create());
      }
    }
  }

  static boolean installed() {
    return JSON.getGson().getAdapter(Installed.class) == INSTALLED;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
    Class<? super T> raw = type.getRawType();
    if (raw == Installed.class) {
      return (TypeAdapter<T>) INSTALLED;
    }
    if (!(KubernetesObject.class.isAssignableFrom(raw)
            || KubernetesListObject.class.isAssignableFrom(raw))
        || ModelType.of(raw) == null) {
      return null;
    }
    TypeAdapter<T> delegate = gson.getDelegateAdapter(this, type);
    TypeAdapter<JsonElement> elements = gson.getAdapter(JsonElement.class);
    return new TypeAdapter<>() {
      @Override
      public void write(JsonWriter out, T value) throws IOException {
        delegate.write(out, value);
      }

      @Override
      public T read(JsonReader in) throws IOException {
        // A plain reader streams text (a body, a watch line): never a tree returned here. A tree
        // reader hands out its very node, so the node is found by identity.
        if (in.getClass() == JsonReader.class || RETURNED.estimatedSize() == 0) {
          return delegate.read(in);
        }
        JsonElement tree = elements.read(in);
        Returned how = tree.isJsonObject() ? RETURNED.getIfPresent(tree.getAsJsonObject()) : null;
        if (how == null || how.model != raw) {
          return delegate.fromJsonTree(tree);
        }
        JsonObject object = tree.getAsJsonObject();
        KeptFieldOverlay.Findings findings = new KeptFieldOverlay.Findings();
        KeptFieldOverlay kept = KeptFieldOverlay.strip(object, raw, findings);
        // Client-java binds a copy without them: the caller's tree is only read, never changed,
        // so two threads binding one tree, or one reading it meanwhile, see every field.
        T bound = delegate.fromJsonTree(kept == null ? object : kept.strippedCopy(object));
        how.codec.bound(bound, kept, findings, how.requestLine(), !isNotWhole(object));
        return bound;
      }
    };
  }
}
