package dev.safeclient.examples;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.io.IOException;
import java.io.InputStream;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The node agent as the December 2024 DaemonSet was written: every node lists every pod in the
 * cluster, resourceVersion unset (a consistent read), on start and every minute.
 *
 * <p>It builds the call with the generated {@link CoreV1Api}, so the request on the wire is the one
 * {@code listPodForAllNamespaces().execute()} sends, and it reads the whole answer. It does not
 * decode it into {@code V1Pod}s: the control plane's bill is the same, and in a rehearsal the
 * sample of agents shares the server's CPU and heap.
 */
final class NaiveNodeAgent {
  private final CoreV1Api core;

  NaiveNodeAgent(ApiClient client) {
    this.core = new CoreV1Api(client);
  }

  /** One pass: every pod in the cluster. Returns the bytes of the answer. */
  long listAllPods() throws ApiException, IOException {
    Call call = core.listPodForAllNamespaces().buildCall(null);
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) {
        throw new ApiException(
            response.code(), response.headers().toMultimap(), body == null ? "" : body.string());
      }
      return drain(body);
    }
  }

  private static long drain(ResponseBody body) throws IOException {
    long n = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = body.byteStream()) {
      for (int r; (r = in.read(buffer)) != -1; ) {
        n += r;
      }
    }
    return n;
  }
}
