package dev.safeclient.core.transport;

import dev.safeclient.core.pipeline.ClassifyInterceptor;
import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.request.Verb;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A deadline for each exchange of a non-watch call ({@code callTimeout}): from sending the request
 * to the last byte of the answer. Per attempt, as client-go's {@code rest.Config.Timeout}, so that
 * budget waits, retries and the pages of a paged list each get their own. Not OkHttp's client-wide
 * {@code callTimeout}, which would also cut every watch; watches and long-running streams have
 * none.
 */
public final class CallDeadlineInterceptor implements Interceptor {
  /** One daemon thread for all clients: it only cancels calls that overran. */
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final Duration timeout;

  public CallDeadlineInterceptor(Duration timeout) {
    this.timeout = timeout;
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread th = new Thread(r, "safeclient-call-deadline");
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = ClassifyInterceptor.classified(chain.request());
    if (timeout.isZero() || k.verb() == Verb.WATCH || k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    Call call = chain.call();
    AtomicBoolean fired = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        TIMER.schedule(
            () -> {
              fired.set(true);
              call.cancel();
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException e) {
      deadline.cancel(false);
      throw fired.get() ? timedOut(k, e) : e;
    }
    return response
        .newBuilder()
        .body(new DeadlineBody(response.body(), deadline, fired, k, this))
        .build();
  }

  SocketTimeoutException timedOut(KubeRequest k, IOException cause) {
    SocketTimeoutException e =
        new SocketTimeoutException(
            "callTimeout of " + timeout.toMillis() + " ms elapsed for " + k.requestLine());
    e.initCause(cause);
    return e;
  }

  private static final class DeadlineBody extends ResponseBody {
    private final ResponseBody delegate;
    private final BufferedSource source;

    DeadlineBody(
        ResponseBody delegate,
        ScheduledFuture<?> deadline,
        AtomicBoolean fired,
        KubeRequest k,
        CallDeadlineInterceptor owner) {
      this.delegate = delegate;
      this.source =
          Okio.buffer(
              new ForwardingSource(delegate.source()) {
                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                  long n;
                  try {
                    n = super.read(sink, byteCount);
                  } catch (IOException e) {
                    deadline.cancel(false);
                    throw fired.get() ? owner.timedOut(k, e) : e;
                  }
                  if (n == -1) {
                    deadline.cancel(false);
                  }
                  return n;
                }

                @Override
                public void close() throws IOException {
                  deadline.cancel(false);
                  super.close();
                }
              });
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
