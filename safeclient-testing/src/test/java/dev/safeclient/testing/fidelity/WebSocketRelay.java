package dev.safeclient.testing.fidelity;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The byte-level half of {@link RecordingProxy}: HTTP/1.1 message heads, and a WebSocket connection
 * relayed as it is while the server's messages are recorded (RFC 6455 framing: a message is a text
 * or binary frame and its continuations up to the one with FIN set; control frames are passed on,
 * not recorded).
 */
final class WebSocketRelay {
  /** Far above any request head a Kubernetes client sends; a longer one is not HTTP we relay. */
  private static final int MAX_HEAD = 64 << 10;

  private WebSocketRelay() {}

  /** An HTTP/1.1 request or response head. */
  record Head(
      String startLine,
      int status,
      String method,
      String target,
      Map<String, List<String>> headers) {
    static Head parse(byte[] head) {
      String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers
              .computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
              .add(lines[i].substring(colon + 1).trim());
        }
      }
      String[] parts = lines[0].split(" ", 3);
      if (lines[0].startsWith("HTTP/")) {
        return new Head(lines[0], Integer.parseInt(parts[1]), "", "", headers);
      }
      return new Head(lines[0], 0, parts[0], parts.length > 1 ? parts[1] : "", headers);
    }

    /** The first value of header {@code name} (any case), or "". */
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return "";
    }

    /**
     * This request head as sent on to the server: its own Host, and the proxy's token in place of
     * any credentials of the client's.
     */
    byte[] forwarded(String host, String token) {
      StringBuilder b = new StringBuilder(startLine).append("\r\n");
      b.append("Host: ").append(host).append("\r\n");
      headers.forEach(
          (name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("host") && !lower.equals("authorization")) {
              values.forEach(v -> b.append(name).append(": ").append(v).append("\r\n"));
            }
          });
      if (token != null) {
        b.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  /** The bytes up to and including the blank line that ends a head; null at end of stream. */
  static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new EOFException("stream ended inside an HTTP head");
      }
      head.write(b);
      if (head.size() > MAX_HEAD) {
        throw new IOException("HTTP head longer than " + MAX_HEAD + " bytes");
      }
      last4 = (last4 << 8) | b;
    }
    return head.toByteArray();
  }

  /**
   * Copies the body that follows request {@code head}: {@code Content-Length} bytes, or chunks up
   * to the last one (RFC 9112 section 7.1); none without either.
   */
  static void copyRequestBody(byte[] head, InputStream in, OutputStream out) throws IOException {
    Head h = Head.parse(head);
    String length = h.header("Content-Length");
    if (h.header("Transfer-Encoding").toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        String sizeLine = line(in, out);
        int semicolon = sizeLine.indexOf(';');
        long size =
            Long.parseLong(
                (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          while (!line(in, out).isEmpty()) {
            // Trailer fields, up to the blank line.
          }
          return;
        }
        copyExactly(in, out, size);
        line(in, out); // the CRLF after the chunk
      }
    }
    if (!length.isEmpty()) {
      copyExactly(in, out, Long.parseLong(length.trim()));
    }
  }

  private static String line(InputStream in, OutputStream out) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      out.write(c);
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    if (c < 0) {
      throw new EOFException("stream ended inside a chunked body");
    }
    return b.toString();
  }

  private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    while (n > 0) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, n));
      if (read < 0) {
        throw new EOFException("stream ended inside a request body");
      }
      out.write(buffer, 0, read);
      n -= read;
    }
  }

  /** Whether a request head asks to upgrade the connection to WebSocket. */
  static boolean isUpgrade(byte[] head) {
    Head h = Head.parse(head);
    return h.headers().entrySet().stream()
        .anyMatch(
            e ->
                e.getKey().equalsIgnoreCase("upgrade")
                    && e.getValue().stream().anyMatch(v -> v.equalsIgnoreCase("websocket")));
  }

  /** A connection to {@code upstream}, over TLS verified against {@code tls} when it is https. */
  static Socket connect(URI upstream, SSLContext tls) throws IOException {
    InetAddress host = InetAddress.getByName(upstream.getHost());
    if (!"https".equals(upstream.getScheme())) {
      return new Socket(host, upstream.getPort());
    }
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(host, upstream.getPort());
    SSLParameters params = socket.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    // HTTP/1.1 only: an upgrade does not exist in HTTP/2.
    params.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(params);
    socket.startHandshake();
    return socket;
  }

  /** Copies until either side ends; an I/O failure is the end of the connection, not an error. */
  static void copy(InputStream in, OutputStream out) {
    byte[] buffer = new byte[16 * 1024];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // One side went away.
    }
  }

  /** Copies until either side ends, keeping what passed as the exchange's body. */
  static void copyRecording(InputStream in, OutputStream out, Exchange recorded) {
    byte[] buffer = new byte[16 * 1024];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        recorded.append(buffer, 0, n);
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // One side went away.
    }
  }

  static void shutdownOutput(Socket socket) {
    try {
      socket.shutdownOutput();
    } catch (IOException | UnsupportedOperationException e) {
      // Closed already; an SSLSocket cannot half-close, and its peer sees the close instead.
      try {
        socket.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }

  /**
   * Relays the server's frames to the client as they arrive, and records each data message's
   * payload as one line of {@code recorded}'s body, as a watch over HTTP carries one event a line.
   */
  static void relayFrames(InputStream fromServer, OutputStream toClient, Exchange recorded) {
    Tee in = new Tee(new java.io.BufferedInputStream(fromServer), toClient);
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    try {
      while (true) {
        int b0 = in.read();
        if (b0 < 0) {
          return;
        }
        int b1 = in.readByte() & 0xff;
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        long length = b1 & 0x7f;
        if (length == 126) {
          length = ((in.readByte() & 0xffL) << 8) | (in.readByte() & 0xffL);
        } else if (length == 127) {
          length = 0;
          for (int i = 0; i < 8; i++) {
            length = (length << 8) | (in.readByte() & 0xffL);
          }
        }
        byte[] mask = null;
        if ((b1 & 0x80) != 0) {
          mask = new byte[] {in.readByte(), in.readByte(), in.readByte(), in.readByte()};
        }
        boolean data = opcode == 0 || opcode == 1 || opcode == 2;
        for (long i = 0; i < length; i++) {
          int p = in.readByte() & 0xff;
          if (mask != null) {
            p ^= mask[(int) (i % 4)] & 0xff;
          }
          if (data) {
            message.write(p);
          }
        }
        if (data && fin) {
          byte[] payload = message.toByteArray();
          message.reset();
          recorded.append(payload, 0, payload.length);
          if (payload.length == 0 || payload[payload.length - 1] != '\n') {
            recorded.append(new byte[] {'\n'}, 0, 1);
          }
        }
        // Recorded before the client has it, so that what a client saw is always recorded.
        in.flush();
        if (opcode == 8) {
          return; // close: the client answers it, and the server then ends the connection
        }
      }
    } catch (IOException e) {
      // One side went away: the exchange keeps the messages it carried.
    } finally {
      try {
        in.flush();
      } catch (IOException ignored) {
        // The client is gone.
      }
    }
  }

  /** Reads the server's bytes, passing each on to the client as soon as a frame's part is read. */
  private static final class Tee {
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[16 * 1024];
    private int pending;

    Tee(InputStream in, OutputStream out) {
      this.in = in;
      this.out = out;
    }

    int read() throws IOException {
      if (in.available() == 0) {
        flush(); // about to block: the client has everything read so far
      }
      int b = in.read();
      if (b >= 0) {
        if (pending == buffer.length) {
          flush(); // before storing: the byte just read is never passed on before it is recorded
        }
        buffer[pending++] = (byte) b;
      }
      return b;
    }

    byte readByte() throws IOException {
      int b = read();
      if (b < 0) {
        throw new EOFException("stream ended inside a WebSocket frame");
      }
      return (byte) b;
    }

    void flush() throws IOException {
      if (pending > 0) {
        out.write(buffer, 0, pending);
        pending = 0;
      }
      out.flush();
    }
  }
}
