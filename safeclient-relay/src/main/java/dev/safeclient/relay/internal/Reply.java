package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.ProtobufTranscoder.NotLossless;
import dev.safeclient.apiserver.Status;
import dev.safeclient.informer.RawObject;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Where the answer to one resource request goes, in the media type its Accept header negotiated. As
 * the apiserver's {@code ErrorNegotiated}, a Status is written in that type too; the 406 of a
 * failed negotiation is written in JSON.
 */
final class Reply {
  final Response response;
  final Callback callback;
  final ResourceEncoding encoding;
  final String accept;
  final boolean protobuf;

  Reply(
      Response response,
      Callback callback,
      ResourceEncoding encoding,
      String accept,
      boolean protobuf) {
    this.response = response;
    this.callback = callback;
    this.encoding = encoding;
    this.accept = accept;
    this.protobuf = protobuf;
  }

  /** The same reply, completing through {@code completion} instead. */
  Reply completingWith(Callback completion) {
    return new Reply(response, completion, encoding, accept, protobuf);
  }

  void status(Status s) {
    if (protobuf) {
      send(s.code(), MediaTypes.PROTOBUF, encoding.status(s), s.headers());
    } else {
      send(s.code(), RawObject.JSON, s.toJsonBytes(), s.headers());
    }
  }

  void send(int code, String contentType, byte[] body, Map<String, String> headers) {
    send(code, contentType, ByteBuffer.wrap(body), headers);
  }

  void send(int code, String contentType, ByteBuffer body, Map<String, String> headers) {
    response.setStatus(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    headers.forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    response.write(true, body, callback);
  }

  /**
   * An object of the resource cannot be transcoded losslessly: the resource is served in JSON from
   * now on. True if this request's Accept admits JSON; false after answering 406 for it.
   */
  boolean fallBackToJson(NotLossless why) {
    encoding.jsonOnly(why);
    if (MediaTypes.JSON.equals(MediaTypes.negotiate(accept, encoding.served()))) {
      return true;
    }
    Status s = Status.notAcceptable();
    send(s.code(), RawObject.JSON, s.toJsonBytes(), s.headers());
    return false;
  }
}
