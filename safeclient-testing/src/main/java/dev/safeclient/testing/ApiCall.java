package dev.safeclient.testing;

import dev.safeclient.apiserver.ListOptions;
import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.Verb;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** One parsed resource request, and how it is answered. */
final class ApiCall {
  static final String JSON = MediaTypes.JSON;

  final Request request;
  final Response response;
  final Callback callback;
  final SimStats stats;
  final String method;
  final Query query;
  final String userAgent;
  ResourceType type;
  String namespace = "";
  String name;

  /**
   * The name the authorizer sees: the path's, or for a list or watch the one its field selector
   * requires (RequestInfo's); null if none.
   */
  String authorizedName;

  /** The field selector the authorizer sees (RequestInfo's): "" from a /watch/ path or a get. */
  String authorizedFieldSelector = "";

  String subresource;
  Verb verb;
  String body;
  SimulatedApiserver apiserver;
  int seats;

  /** Admitted by APF and its seats not yet handed back (see {@link Admission}). */
  boolean admitted;

  /** Runs once the answer is billed, before it is written (APF's end of service). */
  java.util.function.Consumer<ApiCall> beforeAnswer;

  boolean protobuf;
  String warning;

  /** Warning headers this request's handling raised (field validation), in order. */
  final java.util.List<String> warnings = new java.util.ArrayList<>();

  RequestRecord record;

  /** Answered later, on another thread (a LATENCY fault). */
  boolean deferred;

  private boolean finished;

  ApiCall(Request request, Response response, Callback callback, SimStats stats) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.stats = stats;
    this.method = request.getMethod();
    // Go's url.ParseQuery, as req.URL.Query() reads it: a pair with a bad escape is skipped
    // (Jetty's
    // own parsing refuses the whole query).
    this.query = Query.parse(request.getHttpURI().getQuery());
    String ua = request.getHeaders().get(HttpHeader.USER_AGENT);
    this.userAgent = ua == null ? "" : ua;
  }

  /** Answers a {@code Warning: 299} header with this text (the handlers' warning.AddWarning). */
  void warn(String text) {
    warnings.add(FieldValidation.warningHeader(text));
  }

  private ListOptions listOptions;

  /**
   * The request's list or watch options as the apiserver decodes them (not yet validated); a value
   * that does not decode throws a {@link dev.safeclient.apiserver.StatusException} (400).
   */
  ListOptions listOptions() {
    if (listOptions == null) {
      listOptions = ListOptions.parse(query, verb == Verb.WATCH);
    }
    return listOptions;
  }

  String param(String n) {
    return query.first(n);
  }

  /** Every value of a repeated query parameter ({@code dryRun=All&dryRun=All}). */
  java.util.List<String> params(String n) {
    return query.all(n);
  }

  boolean flag(String n) {
    String v = param(n);
    return v != null && (v.equals("true") || v.equals("1"));
  }

  static void pfHeaders(Response response) {
    response.getHeaders().put("X-Kubernetes-PF-FlowSchema-UID", PriorityLevel.FLOW_SCHEMA_UID);
    response
        .getHeaders()
        .put("X-Kubernetes-PF-PriorityLevel-UID", PriorityLevel.PRIORITY_LEVEL_UID);
  }

  /** Answers a resource request in the encoding it asked for (Protobuf for built-in kinds). */
  void send(Answer r) {
    if (warning != null) {
      r.header("Warning", "299 - \"" + warning.replace("\"", "'") + "\"");
    }
    r.warnings.addAll(warnings);
    if (protobuf
        && r.code != 204
        && r.body.length > 0
        && !r.headers.containsKey("Content-Type")
        && ProtobufEncoding.descriptor(type.apiVersion(), type.kind()) != null) {
      byte[] pb;
      if (r.items != null) {
        pb = ProtobufEncoding.list(r.listOf, r.listRv, r.listContinue, r.listRemaining, r.items);
      } else if (r.object != null) {
        pb = ProtobufEncoding.object(type, r.object);
      } else {
        pb = ProtobufEncoding.fromJson(r.body);
      }
      if (pb != null) {
        Answer p = new Answer(r.code, pb);
        p.headers.putAll(r.headers);
        p.warnings.addAll(r.warnings);
        p.headers.put("Content-Type", ProtobufEncoding.MEDIA_TYPE);
        r = p;
      }
    }
    if (record != null) {
      // Billed before the answer is written: a client that has its answer finds it in the log.
      record.code = r.code;
      record.bytes.add(r.body.length);
      record.contentType = r.headers.getOrDefault("Content-Type", JSON);
    }
    if (beforeAnswer != null) {
      beforeAnswer.accept(this);
    }
    finish();
    send(response, callback, r, stats);
  }

  /** Closes this request's bill once (a watch's when its stream is established). */
  void finish() {
    if (record == null || finished) {
      return;
    }
    finished = true;
    if (record.contentType.isEmpty()) {
      String ct = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
      record.contentType = ct == null ? "" : ct;
    }
    stats.finish(record);
  }

  /** The bill's name for this request's form: verb, then what decides where a read is served. */
  String form() {
    if (verb == null) {
      return method.toLowerCase(java.util.Locale.ROOT);
    }
    if (verb != Verb.GET && verb != Verb.LIST && verb != Verb.WATCH) {
      return verb.apiName() + (subresource == null ? "" : " " + subresource);
    }
    StringBuilder f = new StringBuilder(verb.apiName());
    String rv = param("resourceVersion");
    f.append(rv == null || rv.isEmpty() ? " rv=\"\"" : rv.equals("0") ? " rv=0" : " rv=N");
    String match = param("resourceVersionMatch");
    if (match != null && !match.isEmpty()) {
      f.append(" match=").append(match);
    }
    String limit = param("limit");
    if (limit != null && !limit.isEmpty() && !limit.equals("0")) {
      f.append(" limit");
    }
    String cont = param("continue");
    if (cont != null && !cont.isEmpty()) {
      f.append(" continue");
    }
    String l = param("labelSelector");
    String fs = param("fieldSelector");
    if ((l != null && !l.isEmpty()) || (fs != null && !fs.isEmpty())) {
      f.append(" selector");
    }
    if (flag("sendInitialEvents")) {
      f.append(" sendInitialEvents");
    }
    return f.toString();
  }

  /**
   * A body goes to the socket in slices of at most this many bytes. The JDK writes a heap buffer
   * through a direct copy of its size and keeps that copy for the thread's next write: a large list
   * written at once (a fleet's 300 MB) stayed that size in native memory on each thread that had
   * served one.
   */
  static final int WRITE_SLICE = 64 * 1024;

  static void send(Response response, Callback callback, Answer r, SimStats stats) {
    prepare(response, r, stats);
    if (r.body.length <= WRITE_SLICE) {
      response.write(true, ByteBuffer.wrap(r.body), callback);
      return;
    }
    // The length Jetty sets for a body written at once: the same headers, no chunked encoding.
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body.length);
    List<ByteBuffer> slices = new ArrayList<>();
    for (int off = 0; off < r.body.length; off += WRITE_SLICE) {
      slices.add(ByteBuffer.wrap(r.body, off, Math.min(WRITE_SLICE, r.body.length - off)));
    }
    Content.copy(new ByteBufferContentSource(slices), response, callback);
  }

  private static void prepare(Response response, Answer r, SimStats stats) {
    response.setStatus(r.code);
    if (!r.headers.containsKey("Content-Type")) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    }
    r.headers.forEach((k, v) -> response.getHeaders().put(k, v));
    r.warnings.forEach(w -> response.getHeaders().add("Warning", w));
    pfHeaders(response);
    stats.bytesSent(r.body.length);
  }
}
