package dev.safeclient.core.internal.request;

import java.lang.reflect.Type;

/**
 * What the answer to a request will be decoded into: a client-java model, or a JSON tree the caller
 * reads itself ({@code GenericKubernetesApi}, {@code DynamicKubernetesApi}, a raw {@code
 * JsonObject}). Tagged on every request the safe client builds, and told the type when the call is
 * executed with one, before the request goes down the pipeline; unknown for a call run otherwise.
 */
public final class DecodeTarget {
  private volatile Type type;

  /** The type the caller's {@code execute} decodes into. */
  public void decodesInto(Type type) {
    this.type = type;
  }

  /** The type, or null where the call was not executed with one. */
  public Type type() {
    return type;
  }
}
