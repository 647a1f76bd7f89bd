package dev.safeclient.informer.internal;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.informer.exception.ObjectTransformException;
import java.util.function.UnaryOperator;

/**
 * What happens to each object before it is cached: drop {@code metadata.managedFields} (on by
 * default: often half an object's size, and no controller reads it), then the user's transform,
 * then a client-java {@link TransformFunc} set on the informer.
 */
public final class ObjectTransform {
  private final boolean stripManagedFields;
  private final UnaryOperator<Object> transform;
  private volatile TransformFunc transformFunc;

  public ObjectTransform(boolean stripManagedFields, UnaryOperator<Object> transform) {
    this.stripManagedFields = stripManagedFields;
    this.transform = transform;
  }

  void setTransformFunc(TransformFunc transformFunc) {
    this.transformFunc = transformFunc;
  }

  @SuppressWarnings("unchecked")
  public <T extends KubernetesObject> T apply(T object) {
    Object out = object;
    if (stripManagedFields && object.getMetadata() != null) {
      object.getMetadata().setManagedFields(null);
    }
    if (transform != null) {
      out = transform.apply(out);
      if (out == null) {
        throw new IllegalStateException("the informer's transform returned null");
      }
    }
    TransformFunc f = transformFunc;
    if (f != null) {
      try {
        out = f.transform((KubernetesObject) out);
      } catch (ObjectTransformException e) {
        throw new IllegalStateException("the informer's TransformFunc failed", e);
      }
      if (out == null) {
        throw new IllegalStateException("the informer's TransformFunc returned null");
      }
    }
    // Share repeated values with every other cached object, lossless: the cache's heap is mostly
    // the same strings and maps over and over.
    return (T) ObjectInterner.process().intern(out);
  }
}
