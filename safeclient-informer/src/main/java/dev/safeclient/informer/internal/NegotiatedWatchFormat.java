package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.protobuf.ProtobufWatchEventReader;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.Response;

/**
 * Asks for length-framed Protobuf watch events for built-in types, with JSON as the fallback, and
 * reads whichever the server answered in: CRDs and many aggregated APIs only speak JSON.
 */
public final class NegotiatedWatchFormat implements WatchStreamFormat {
  private static final String PROTOBUF_FIRST =
      ProtobufCodec.MEDIA_TYPE + ";stream=watch, application/json";
  // client-java's generated models of built-in types; CRD classes live elsewhere.
  private static final String BUILT_IN_MODELS = "io.kubernetes.client.openapi.models";

  private final ProtobufCodec protobuf;
  private final WatchStreamFormat json;

  public NegotiatedWatchFormat(ProtobufCodec protobuf, WatchStreamFormat json) {
    this.protobuf = protobuf;
    this.json = json;
  }

  @Override
  public String accept(Class<?> type) {
    return BUILT_IN_MODELS.equals(type.getPackageName()) ? PROTOBUF_FIRST : json.accept(type);
  }

  /** JSON while the group/version is marked JSON-only (a frame it could not decode whole). */
  @Override
  public String accept(Class<?> type, String groupVersion) {
    return protobuf.jsonOnly().isJsonOnly(groupVersion) ? json.accept(type) : accept(type);
  }

  @Override
  public <T> WatchEventReader<T> open(Response response, Class<T> type) throws IOException {
    MediaType contentType = response.body().contentType();
    if (!ProtobufCodec.isProtobuf(contentType)) {
      return json.open(response, type);
    }
    ProtobufWatchEventReader<T> frames =
        ProtobufWatchEventReader.open(
            response.body().byteStream(), type, protobuf, protobuf.maxObjectBytes());
    return new WatchEventReader<>() {
      @Override
      public WatchEvent<T> next() throws IOException {
        return frames.next();
      }

      @Override
      public void close() {
        response.close();
      }
    };
  }
}
