package dev.safeclient.informer;

import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.informer.internal.ReflectorDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import okhttp3.MediaType;
import okhttp3.Response;

/**
 * A raw feed's objects: the bytes the server sent, in JSON. Lists and watches are asked in JSON and
 * only JSON, whatever the client negotiates elsewhere (Protobuf comes in a later release).
 */
final class RawDecoder implements ReflectorDecoder<RawObject> {
  private final TolerantJson json;
  private final String resource;

  RawDecoder(TolerantJson json, String resource) {
    this.json = json;
    this.resource = resource;
  }

  @Override
  public String objectName() {
    return resource + " (raw JSON)";
  }

  @Override
  public String listAccept() {
    return RawObject.JSON;
  }

  @Override
  public boolean listEncodingNegotiable() {
    return false;
  }

  @Override
  public String watchAccept(String groupVersion) {
    return RawObject.JSON;
  }

  @Override
  public ListPage<RawObject> decodeList(Response response) throws IOException {
    MediaType type = response.body().contentType();
    if (type != null && !"json".equals(type.subtype())) {
      // Unchecked: a body we cannot keep is a decode failure, not the server failing.
      throw new IllegalStateException("the list answered in " + type + ", not JSON");
    }
    RawList list;
    try (InputStream in = response.body().byteStream()) {
      list = RawList.read(in);
    } catch (RawJsonException e) {
      throw new UncheckedIOException(e);
    }
    return new ListPage<>(
        list.items(),
        list.resourceVersion().isEmpty() ? null : list.resourceVersion(),
        list.continueToken());
  }

  @Override
  public WatchEventReader<RawObject> openWatch(Response response) throws IOException {
    MediaType type = response.body().contentType();
    if (type != null && !"json".equals(type.subtype())) {
      response.close();
      throw new IOException("the watch answered in " + type + ", not JSON");
    }
    return new RawWatchEvents(response, json);
  }

  @Override
  public RawObject prepare(RawObject object) {
    return object;
  }

  @Override
  public String resourceVersion(RawObject object) {
    return object == null || object.resourceVersion().isEmpty() ? null : object.resourceVersion();
  }

  @Override
  public String key(RawObject object) {
    return object.key();
  }

  @Override
  public boolean isInitialEventsEnd(RawObject object) {
    return object != null && object.initialEventsEnd();
  }
}
