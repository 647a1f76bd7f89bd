package dev.safeclient.testing.fidelity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One request and its answer as they went over the wire between a client and a server, recorded by
 * {@link RecordingProxy}: tagged with the step of the replay that made it, so that the same step's
 * exchanges on two servers can be paired. A watch's body is whatever the stream had carried when it
 * was read; {@link #observation} entries carry what a client reported instead of wire bytes (an
 * informer's handler calls).
 */
final class Exchange {
  private static final int MAX_BODY = 4 << 20;

  final Step step;
  final String method;
  final String pathAndQuery;
  final String requestContentType;
  final byte[] requestBody;
  volatile int status;
  volatile Map<String, List<String>> headers = Map.of();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();

  /** Bytes past {@link #MAX_BODY} are counted, not kept. */
  private long dropped;

  Exchange(
      Step step,
      String method,
      String pathAndQuery,
      String requestContentType,
      byte[] requestBody) {
    this.step = step;
    this.method = method;
    this.pathAndQuery = pathAndQuery;
    this.requestContentType = requestContentType == null ? "" : requestContentType;
    this.requestBody = requestBody;
  }

  static Exchange observation(Step step, String what) {
    Exchange e = new Exchange(step, "OBSERVE", "-", "", new byte[0]);
    byte[] text = what.getBytes(StandardCharsets.UTF_8);
    e.append(text, 0, text.length);
    return e;
  }

  synchronized void append(byte[] b, int off, int len) {
    int keep = Math.max(0, Math.min(len, MAX_BODY - body.size()));
    body.write(b, off, keep);
    dropped += len - keep;
  }

  synchronized String body() {
    return body.toString(StandardCharsets.UTF_8) + (dropped > 0 ? "...(+" + dropped + ")" : "");
  }

  /** The first value of a response header (case-insensitive name), or "". */
  String header(String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return String.join(", ", e.getValue());
      }
    }
    return "";
  }

  /**
   * Which replay step made an exchange: the area of the fidelity table it counts under, the client
   * that sent it and the call.
   */
  record Step(String area, String client, String call) {
    @Override
    public String toString() {
      return area + " " + client + " " + call;
    }
  }

  @Override
  public String toString() {
    return step + " " + method + " " + pathAndQuery + " -> " + status;
  }
}
