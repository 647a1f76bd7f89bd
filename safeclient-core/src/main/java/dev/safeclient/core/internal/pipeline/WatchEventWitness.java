package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.internal.server.ResourceActivity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * Tells {@link ResourceActivity} of each ADDED, MODIFIED or DELETED event a caller's watch receives
 * through the safe client, so that SC101 knows the resource is busy where that matters (up to
 * 1.30). Reads only the start of each JSON line ({@code {"type":"MODIFIED",...}}, the order the
 * apiserver's watch encoder writes), as the caller's own decoder reads the stream: no second parse,
 * no copy of an object.
 */
public final class WatchEventWitness implements Interceptor {
  private final ResourceActivity activity;

  public WatchEventWitness(ResourceActivity activity) {
    this.activity = activity;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response r = chain.proceed(chain.request());
    KubeRequest k = KubeRequest.of(chain.request());
    ResponseBody body = r.body();
    if (k == null
        || k.verb() != Verb.WATCH
        || !r.isSuccessful()
        || body == null
        || !isJson(body.contentType())
        || replaysState(chain.request().url())) {
      return r;
    }
    String groupResource = k.groupResource();
    return r.newBuilder().body(new EventTypes(body, () -> activity.changed(groupResource))).build();
  }

  /**
   * A watch from resourceVersion unset or "0", or with {@code sendInitialEvents=true}, starts with
   * synthetic ADDED events for the current state: changes made long ago, not recent ones. Its later
   * events are not told apart from those, so such watches are not witnessed at all.
   */
  private static boolean replaysState(okhttp3.HttpUrl url) {
    String rv = url.queryParameter("resourceVersion");
    return rv == null
        || rv.isEmpty()
        || "0".equals(rv)
        || "true".equals(url.queryParameter("sendInitialEvents"));
  }

  private static boolean isJson(MediaType t) {
    return t == null || "json".equals(t.subtype());
  }

  /** The body as is, with the type of each line's event read on the way. */
  static final class EventTypes extends ResponseBody {
    /** Enough of a line to hold {@code {"type":"MODIFIED"} with some whitespace. */
    private static final int HEAD = 48;

    private final ResponseBody delegate;
    private final BufferedSource source;
    private final Runnable changed;
    private final Buffer head = new Buffer();
    private boolean inHead = true;

    EventTypes(ResponseBody delegate, Runnable changed) {
      this.delegate = delegate;
      this.changed = changed;
      this.source =
          Okio.buffer(
              new ForwardingSource(delegate.source()) {
                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                  long n = super.read(sink, byteCount);
                  if (n > 0) {
                    scan(sink, sink.size() - n);
                  }
                  return n;
                }
              });
    }

    private void scan(Buffer sink, long from) {
      long pos = from;
      long end = sink.size();
      while (pos < end) {
        long nl = sink.indexOf((byte) '\n', pos, end);
        if (inHead) {
          long upTo = nl < 0 ? end : nl;
          long take = Math.min(upTo - pos, HEAD - head.size());
          if (take > 0) {
            sink.copyTo(head, pos, take);
          }
          if (nl >= 0 || head.size() >= HEAD) {
            inspect(head.readString(StandardCharsets.UTF_8));
            inHead = false;
          }
        }
        if (nl < 0) {
          return;
        }
        pos = nl + 1;
        inHead = true;
      }
    }

    private void inspect(String lineStart) {
      int at = lineStart.indexOf("\"type\"");
      if (at < 0) {
        return;
      }
      int colon = lineStart.indexOf(':', at);
      int open = colon < 0 ? -1 : lineStart.indexOf('"', colon + 1);
      int close = open < 0 ? -1 : lineStart.indexOf('"', open + 1);
      if (close < 0) {
        return;
      }
      switch (lineStart.substring(open + 1, close)) {
        case "ADDED", "MODIFIED", "DELETED" -> changed.run();
        default -> {}
      }
    }

    @Override
    public MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() {
      return delegate.contentLength();
    }

    @Override
    public BufferedSource source() {
      return source;
    }
  }
}
