package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.pod;
import static dev.safeclient.relay.internal.RelayHttp.podJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.ProtobufTranscoder;
import dev.safeclient.informer.RawObject;
import dev.safeclient.model.time.VirtualTimeSource;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's encodings on the wire: Accept negotiated as the apiserver negotiates it, JSON answers
 * byte-identical to what the API server sent, Protobuf answers transcoded once per object version,
 * Status bodies and watch frames in the negotiated type, and a resource whose objects Protobuf
 * cannot carry losslessly served in JSON.
 */
class EncodingsTest {
  static final ResourceSpec PODS = ReadPathTest.PODS;
  static final String PROTOBUF_FIRST = "application/vnd.kubernetes.protobuf, application/json";
  static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
  static final ProtobufTranscoder T = ProtobufTranscoder.vendored();
  static final Descriptor POD = T.descriptor("v1", "Pod").orElseThrow();
  static final Descriptor POD_LIST = T.descriptor("v1", "PodList").orElseThrow();
  static final Descriptor STATUS = T.descriptor("v1", "Status").orElseThrow();

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private RelayServer server;
  private CacheFeed feed;
  private RelayHttp http;

  record Got(int code, String contentType, byte[] body) {}

  private void start() throws Exception {
    server =
        new RelayServer(
            List.of(PODS),
            new ReadPathTest.NoUpstream(),
            clock,
            RequestGate.OPEN,
            "127.0.0.1",
            0,
            100,
            1L << 30);
    server.start();
    feed = server.feed(PODS);
    http = new RelayHttp(server.url().toString());
  }

  @AfterEach
  void tearDown() {
    if (http != null) {
      http.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private Got get(String path, String accept) throws IOException {
    Request.Builder b = new Request.Builder().url(server.url() + path);
    if (accept != null) {
      b.header("Accept", accept);
    }
    try (Response r = http.http.newCall(b.build()).execute()) {
      return new Got(r.code(), r.header("Content-Type"), r.body().bytes());
    }
  }

  private ResourceEncoding encoding() {
    return server.relayed(PODS).encoding;
  }

  static Message decode(Descriptor d, byte[] enveloped, String kind) throws IOException {
    ProtobufEnvelope e = ProtobufEnvelope.unwrap(enveloped);
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.apiVersion()).isEqualTo("v1");
    return DynamicMessage.parseFrom(d, e.raw());
  }

  static String meta(Message m, String field) {
    Message md = (Message) m.getField(m.getDescriptorForType().findFieldByName("metadata"));
    return (String) md.getField(md.getDescriptorForType().findFieldByName(field));
  }

  static List<String> itemNames(Message list) {
    FieldDescriptor items = list.getDescriptorForType().findFieldByName("items");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.getRepeatedFieldCount(items); i++) {
      out.add(meta((Message) list.getRepeatedField(items, i), "name"));
    }
    return out;
  }

  static Message status(Got g) throws IOException {
    assertThat(g.contentType()).isEqualTo(PROTOBUF);
    return decode(STATUS, g.body(), "Status");
  }

  @Test
  void acceptIsNegotiatedAsTheApiServerNegotiatesIt() throws Exception {
    start();
    CachedObject a = pod("ns", "a", 5, "node-1", "web");
    feed.replaced(List.of(a, pod("ns", "b", 6, "node-2", "web")), 10);
    String path = "/api/v1/namespaces/ns/pods/a?resourceVersion=0";
    byte[] stored = a.objectJson();
    // No Accept, */*, JSON, JSON before Protobuf: JSON, the bytes the API server sent.
    for (String accept :
        new String[] {null, "*/*", "application/json", "application/json, " + PROTOBUF}) {
      Got g = get(path, accept);
      assertThat(g.code()).as(accept).isEqualTo(200);
      assertThat(g.contentType()).as(accept).isEqualTo("application/json");
      assertThat(g.body()).as(accept).isEqualTo(stored);
    }
    // Protobuf preferred, or alone: Protobuf, the same object.
    for (String accept : new String[] {PROTOBUF_FIRST, PROTOBUF, PROTOBUF + ";stream=watch"}) {
      Got g = get(path, accept);
      assertThat(g.code()).as(accept).isEqualTo(200);
      assertThat(g.contentType()).as(accept).isEqualTo(PROTOBUF);
      assertThat(decode(POD, g.body(), "Pod"))
          .isEqualTo(DynamicMessage.parseFrom(POD, T.losslessMessage(POD, parse(stored))));
    }
    // Nothing the relay serves: the apiserver's 406, in JSON.
    for (String accept :
        new String[] {"text/html", "application/json;as=Table;v=v1;g=meta.k8s.io", "x"}) {
      Got g = get(path, accept);
      assertThat(g.code()).as(accept).isEqualTo(406);
      assertThat(g.contentType()).isEqualTo("application/json");
      assertThat(new String(g.body(), StandardCharsets.UTF_8))
          .contains("\"reason\":\"NotAcceptable\"")
          .contains("only the following media types are accepted");
    }
    // An error after negotiation is a Status in the negotiated type.
    Message notFound = status(get("/api/v1/namespaces/ns/pods/zz?resourceVersion=0", PROTOBUF));
    assertThat(notFound.toString()).contains("code: 404").contains("reason: \"NotFound\"");
    Got jsonNotFound = get("/api/v1/namespaces/ns/pods/zz?resourceVersion=0", null);
    assertThat(jsonNotFound.code()).isEqualTo(404);
    assertThat(jsonNotFound.contentType()).isEqualTo("application/json");
    Message badRequest = status(get("/api/v1/pods?resourceVersion=x", PROTOBUF_FIRST));
    assertThat(badRequest.toString()).contains("code: 400");
  }

  static com.google.gson.JsonElement parse(byte[] json) {
    return com.google.gson.JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
  }

  @Test
  void protobufListsAreTranscodedOncePerObjectVersionWhateverTheAgents() throws Exception {
    start();
    feed.replaced(
        List.of(
            pod("ns", "a", 5, "node-1", "web"),
            pod("ns", "b", 6, "node-2", "web"),
            pod("ns", "c", 7, "node-1", "db")),
        10);
    for (int agent = 0; agent < 5; agent++) {
      Got g = get("/api/v1/pods?resourceVersion=0", PROTOBUF_FIRST);
      assertThat(g.contentType()).isEqualTo(PROTOBUF);
      Message list = decode(POD_LIST, g.body(), "PodList");
      assertThat(itemNames(list)).containsExactly("a", "b", "c");
      assertThat(meta(list, "resourceVersion")).isEqualTo("10");
    }
    assertThat(encoding().transcodes()).isEqualTo(3);
    get("/api/v1/namespaces/ns/pods/a?resourceVersion=0", PROTOBUF);
    assertThat(encoding().transcodes()).isEqualTo(3);
    feed.modified(pod("ns", "a", 11, "node-1", "db"));
    Message page =
        decode(POD_LIST, get("/api/v1/pods?resourceVersion=0", PROTOBUF).body(), "PodList");
    assertThat(meta(page, "resourceVersion")).isEqualTo("11");
    assertThat(encoding().transcodes()).isEqualTo(4);
    // Paged from a snapshot, with its continue token in the ListMeta.
    clock.advance(java.time.Duration.ZERO);
    Got paged =
        get("/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact&limit=2", PROTOBUF_FIRST);
    Message first = decode(POD_LIST, paged.body(), "PodList");
    assertThat(itemNames(first)).containsExactly("a", "b");
    assertThat(meta(first, "continue")).isNotEmpty();
    assertThat(server.health().get(0).jsonOnlyBecause()).isNull();
  }

  /** One frame of a Protobuf watch stream: its type and object, or null at the stream's end. */
  record Frame(String type, byte[] object) {}

  static Frame next(DataInputStream in) throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException e) {
      return null;
    }
    byte[] body = new byte[length];
    in.readFully(body);
    CodedInputStream c = CodedInputStream.newInstance(body);
    String type = null;
    byte[] object = null;
    for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
      if (tag >>> 3 == 1) {
        type = c.readString();
      } else if (tag >>> 3 == 2) {
        CodedInputStream raw = CodedInputStream.newInstance(c.readByteArray());
        for (int t = raw.readTag(); t != 0; t = raw.readTag()) {
          if (t >>> 3 == 1) {
            object = raw.readByteArray();
          } else {
            raw.skipField(t);
          }
        }
      } else {
        c.skipField(tag);
      }
    }
    return new Frame(type, object);
  }

  static String seen(Frame f) throws IOException {
    if (f.type().equals("ERROR")) {
      Message s = decode(STATUS, f.object(), "Status");
      return "ERROR " + s.getField(STATUS.findFieldByName("code"));
    }
    Message pod = decode(POD, f.object(), "Pod");
    return f.type() + " " + meta(pod, "name") + "@" + meta(pod, "resourceVersion");
  }

  private Response openWatch(String query, String accept) throws IOException {
    return http.http
        .newCall(
            new Request.Builder()
                .url(server.url() + "/api/v1/pods?watch=1&" + query)
                .header("Accept", accept)
                .build())
        .execute();
  }

  @Test
  void aProtobufWatchFollowsAddsUpdatesAndDeletesInFrames() throws Exception {
    start();
    feed.replaced(
        List.of(pod("ns", "a", 5, "node-1", "web"), pod("ns", "b", 6, "node-1", "web")), 10);
    try (Response w =
        openWatch("resourceVersion=10&fieldSelector=spec.nodeName%3Dnode-1", PROTOBUF_FIRST)) {
      assertThat(w.header("Content-Type"))
          .isEqualTo("application/vnd.kubernetes.protobuf;stream=watch");
      DataInputStream in = new DataInputStream(w.body().byteStream());
      feed.added(pod("ns", "c", 11, "node-1", "web"));
      feed.modified(pod("ns", "a", 12, "node-1", "db"));
      feed.deleted(pod("ns", "b", 13, "node-1", "web"));
      // Moved to another node: DELETED for this node's watcher, at the event's RV.
      feed.modified(pod("ns", "c", 14, "node-2", "web"));
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        got.add(seen(next(in)));
      }
      assertThat(got)
          .containsExactly("ADDED c@11", "MODIFIED a@12", "DELETED b@13", "DELETED c@14");
    }
    // Too old for the window: the stream's one event is the ERROR, a Protobuf Status.
    feed.replaced(List.of(pod("ns", "a", 20, "node-1", "web")), 30);
    try (Response w = openWatch("resourceVersion=12", PROTOBUF)) {
      DataInputStream in = new DataInputStream(w.body().byteStream());
      assertThat(seen(next(in))).isEqualTo("ERROR 410");
      assertThat(next(in)).isNull();
    }
  }

  static CachedObject withUnknownField(String name, long rv) throws Exception {
    String json =
        podJson("ns", name, rv, "node-1", "web", "Running")
            .replace("\"spec\":{", "\"spec\":{\"futureField\":{\"x\":1},");
    return CachedObject.of(
        RawObject.ofJson(json.getBytes(StandardCharsets.UTF_8)), "Pod", "v1", true);
  }

  @Test
  void anObjectWithAFieldTheSchemaLacksTurnsTheResourceToJsonForGood() throws Exception {
    start();
    feed.replaced(List.of(pod("ns", "a", 5, "node-1", "web")), 10);
    try (Response w = openWatch("resourceVersion=10", PROTOBUF_FIRST)) {
      DataInputStream in = new DataInputStream(w.body().byteStream());
      feed.modified(pod("ns", "a", 11, "node-1", "db"));
      assertThat(seen(next(in))).isEqualTo("MODIFIED a@11");
      CachedObject odd = withUnknownField("b", 12);
      feed.added(odd);
      // Protobuf would drop the field: the watch ends cleanly, before that event.
      assertThat(next(in)).isNull();

      // From now on Protobuf requests get JSON, the API server's bytes, when they admit it.
      Got list = get("/api/v1/pods?resourceVersion=0", PROTOBUF_FIRST);
      assertThat(list.contentType()).isEqualTo("application/json");
      assertThat(new String(list.body(), StandardCharsets.UTF_8))
          .contains(StandardCharsets.UTF_8.decode(odd.listItemBytes(true)).toString());
      Got one = get("/api/v1/namespaces/ns/pods/a?resourceVersion=0", PROTOBUF_FIRST);
      assertThat(one.contentType()).isEqualTo("application/json");
      assertThat(get("/api/v1/pods?resourceVersion=0", PROTOBUF).code()).isEqualTo(406);
      // The resumed watch is JSON and gets the event.
      RelayHttp.Watch resumed = http.watch("/api/v1/pods?watch=1&resourceVersion=11");
      assertThat(resumed.response.header("Content-Type")).isEqualTo("application/json");
      assertThat(RelayHttp.name(resumed.next())).isEqualTo("b");
      resumed.close();
    }
    assertThat(server.health().get(0).jsonOnlyBecause())
        .isEqualTo(
            "an object Protobuf cannot carry losslessly:"
                + " k8s.io.api.core.v1.PodSpec has no field 'futureField'");
  }

  @Test
  void aListWithAnObjectProtobufCannotCarryIsAnsweredInJson() throws Exception {
    start();
    feed.replaced(List.of(pod("ns", "a", 5, "node-1", "web"), withUnknownField("b", 6)), 10);
    Got list = get("/api/v1/pods?resourceVersion=0", PROTOBUF_FIRST);
    assertThat(list.code()).isEqualTo(200);
    assertThat(list.contentType()).isEqualTo("application/json");
    assertThat(new String(list.body(), StandardCharsets.UTF_8)).contains("\"futureField\"");
    assertThat(encoding().protobuf()).isFalse();
  }
}
