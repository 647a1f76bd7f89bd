package dev.safeclient.relay.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.Descriptor;
import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.ProtobufTranscoder;
import dev.safeclient.apiserver.ProtobufTranscoder.NotLossless;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.WatchEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encodings one relayed resource is served in. The relay stores the JSON the API server sent
 * and answers JSON requests with those bytes. Protobuf answers are transcoded from them against the
 * vendored schemas, only while that is lossless: a type without a vendored message is served in
 * JSON only, as the API server serves a type without Protobuf, and so is a type once one of its
 * objects has a member the schema lacks or a value of the wrong kind (from then on, for good: an
 * agent must not flip between encodings). Each object version is transcoded at most once, on the
 * first Protobuf request that needs it, whatever the number of agents.
 */
final class ResourceEncoding {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceEncoding.class);

  private static final List<String> JSON_ONLY = List.of(MediaTypes.JSON);

  /** JSON first: what an Accept of {@code *}{@code /*}, or none, gets, as from the apiserver. */
  private static final List<String> JSON_AND_PROTOBUF =
      List.of(MediaTypes.JSON, MediaTypes.PROTOBUF);

  private final ResourceSpec spec;
  private final ProtobufTranscoder transcoder;

  /** The vendored message of the kind; null: served in JSON only. */
  private final Descriptor descriptor;

  private final AtomicLong transcodes = new AtomicLong();
  private volatile String jsonOnlyBecause;

  ResourceEncoding(ResourceSpec spec, ProtobufTranscoder transcoder) {
    this.spec = spec;
    this.transcoder = transcoder;
    this.descriptor = transcoder.descriptor(spec.apiVersion(), spec.kind()).orElse(null);
    if (descriptor == null) {
      jsonOnlyBecause = "no vendored Protobuf message for " + spec.kind();
    }
  }

  /** The media types this resource is served in now, in the server's order. */
  List<String> served() {
    return protobuf() ? JSON_AND_PROTOBUF : JSON_ONLY;
  }

  /** Whether Protobuf requests are answered in Protobuf. */
  boolean protobuf() {
    return jsonOnlyBecause == null;
  }

  /** Objects transcoded so far (each version once). */
  long transcodes() {
    return transcodes.get();
  }

  /** The object's message, transcoded once per version. */
  byte[] message(CachedObject o) throws NotLossless {
    byte[] m = o.protobufMessage();
    if (m == null) {
      m = transcode(o.objectJson());
      o.protobufMessage(m);
    }
    return m;
  }

  /** The object as a GET answers it: magic + Unknown. */
  byte[] object(CachedObject o) throws NotLossless {
    return ProtobufEnvelope.wrap(spec.apiVersion(), spec.kind(), message(o));
  }

  /** One length-prefixed watch frame around a stored object. */
  byte[] frame(WatchEvents.Type type, CachedObject o) throws NotLossless {
    return WatchEvents.protobufFrame(type, object(o));
  }

  /** One watch frame around an object given as JSON (a bookmark, an object at another RV). */
  byte[] frame(WatchEvents.Type type, byte[] objectJson) throws NotLossless {
    return WatchEvents.protobufFrame(
        type, ProtobufEnvelope.wrap(spec.apiVersion(), spec.kind(), transcode(objectJson)));
  }

  byte[] list(long rv, String continueToken, Long remainingItemCount, List<byte[]> messages) {
    return transcoder.list(
        spec.apiVersion(), spec.kind() + "List", rv, continueToken, remainingItemCount, messages);
  }

  byte[] status(Status s) {
    return transcoder.status(s);
  }

  byte[] errorFrame(Status s) {
    return WatchEvents.protobufFrame(WatchEvents.Type.ERROR, transcoder.status(s));
  }

  /**
   * From now on this resource answers Protobuf requests in JSON. Said once, naming the schema,
   * never the object's content.
   */
  void jsonOnly(NotLossless why) {
    synchronized (this) {
      if (jsonOnlyBecause != null) {
        return;
      }
      jsonOnlyBecause = "an object Protobuf cannot carry losslessly: " + why.getMessage();
    }
    LOG.warn("relay: {} is served in JSON only from now on: {}", spec, jsonOnlyBecause);
  }

  /** Why Protobuf requests get JSON, or null. */
  String jsonOnlyBecause() {
    return jsonOnlyBecause;
  }

  private byte[] transcode(byte[] json) throws NotLossless {
    if (descriptor == null) {
      throw new NotLossless("no vendored message for " + spec.kind());
    }
    transcodes.incrementAndGet();
    JsonElement tree;
    try {
      tree = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new NotLossless(spec.kind() + ": not JSON");
    }
    return transcoder.losslessMessage(descriptor, tree);
  }
}
