package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.CodedInputStream;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Protobuf LIST is decoded as it arrives: never a buffer of the declared length of the body or
 * the list, a bounded read-ahead beyond the item being decoded, each item capped, and typed errors
 * for bodies that end early or are not what they claim.
 */
@Timeout(120)
class ProtobufListStreamTest {
  @StartStop final MockWebServer server = new MockWebServer();

  private static final int TWO_GB = 2_000_000_000;

  /** What a decode may allocate in all, far below any declared length these tests send. */
  private static final long SMALL_ALLOCATION = 32L * 1024 * 1024;

  // ------------------------------------------------------------------ bodies

  /** The real Pod fixtures of every release, as list items (their object messages). */
  private static List<byte[]> fixturePodRaws() throws IOException {
    List<byte[]> raws = new ArrayList<>();
    for (Path dir :
        List.of(
            KubeApiTestdata.release("v1.34.0"),
            KubeApiTestdata.release("v1.35.0"),
            KubeApiTestdata.release("v1.36.0"),
            KubeApiTestdata.head())) {
      raws.add(ProtoWriter.rawOf(Files.readAllBytes(dir.resolve("core.v1.Pod.pb"))));
    }
    return raws;
  }

  private static List<JsonObject> fixturePodJsons() throws IOException {
    List<JsonObject> pods = new ArrayList<>();
    for (Path dir :
        List.of(
            KubeApiTestdata.release("v1.34.0"),
            KubeApiTestdata.release("v1.35.0"),
            KubeApiTestdata.release("v1.36.0"),
            KubeApiTestdata.head())) {
      pods.add(
          JsonParser.parseString(
                  Files.readString(dir.resolve("core.v1.Pod.json"), StandardCharsets.UTF_8))
              .getAsJsonObject());
    }
    return pods;
  }

  /** A pod with only a name: small and known to every model. */
  private static byte[] pod(String name) {
    return ProtoWriter.message()
        .message(1, ProtoWriter.message().string(1, name).string(3, "default"))
        .build();
  }

  /**
   * The head of a PodList body whose envelope declares {@code declared} bytes of list, followed by
   * {@code rest} of the list, and nothing more.
   */
  private static byte[] listDeclaring(int declared, byte[] rest) throws IOException {
    Buffer b = new Buffer();
    b.write(KubernetesEnvelope.MAGIC);
    byte[] typeMeta = ProtoWriter.message().string(1, "v1").string(2, "PodList").build();
    b.writeByte(0x0a);
    varint(b, typeMeta.length);
    b.write(typeMeta);
    b.writeByte(0x12);
    varint(b, declared);
    b.write(rest);
    return b.readByteArray();
  }

  private static void varint(Buffer b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.writeByte((int) v);
  }

  /** ListMeta {2 resourceVersion} and the given items, as a list message's fields. */
  private static byte[] listFields(byte[]... items) {
    ProtoWriter list = ProtoWriter.message().message(1, ProtoWriter.message().string(2, "50"));
    for (byte[] i : items) {
      list.bytes(2, i);
    }
    return list.build();
  }

  private static MockResponse protobuf(byte[] body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
        .body(new Buffer().write(body))
        .build();
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private ApiClient safe(int maxObjectBytes) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base)
        .mode(SafetyMode.ENFORCE)
        .serverVersion("1.30")
        .userAgent("list-stream-test/1")
        .maxProtobufObjectBytes(maxObjectBytes)
        .listPageSize(3)
        .build()
        .apiClient();
  }

  // ------------------------------------------------------------------ declared 2 GB

  /**
   * The envelope declares a 2 GB list and the stream ends after one item: a typed error as soon as
   * the end is read, having allocated a few MB at most. A decoder that allocated the declared
   * length would throw OutOfMemoryError here (or allocate 2 GB), whatever -Xmx is.
   */
  @Test
  void aListDeclaringTwoGigabytesThatEndsEarlyIsATypedErrorWithNoLargeAllocation()
      throws Exception {
    byte[] body = listDeclaring(TWO_GB, listFields(pod("a"), pod("b")));
    ProtobufCodec codec = new ProtobufCodec(null);
    // Loads the schema (a first decode in the JVM), which is not what is measured.
    codec.decode(ProtoWriter.list("v1", "PodList", "1", "", pod("warm")), V1PodList.class);

    long before = allocatedByThisThread();
    assertThatThrownBy(() -> codec.decode(new ByteArrayInputStream(body), V1PodList.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("cut short");
    assertThat(allocatedByThisThread() - before).isLessThan(SMALL_ALLOCATION);

    // The same through a typed API and GenericKubernetesApi, over the wire, once the client has
    // made one call (its first call loads classes and builds its connection: tens of MB).
    ApiClient client = safe(64 * 1024 * 1024);
    server.enqueue(protobuf(ProtoWriter.list("v1", "PodList", "50", "", pod("warm"))));
    new CoreV1Api(client).listNamespacedPod("default").execute();
    server.enqueue(protobuf(body));
    server.enqueue(protobuf(body));
    before = allocatedByThisThread();
    assertThatThrownBy(() -> new CoreV1Api(client).listNamespacedPod("default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("cut short");
    var generic =
        new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);
    // GenericKubernetesApi rethrows an ApiException caused by an IOException as it is.
    assertThatThrownBy(() -> generic.list("default"))
        .isInstanceOf(IllegalStateException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("cut short");
    assertThat(allocatedByThisThread() - before).isLessThan(SMALL_ALLOCATION);
    assertThat(server.getRequestCount()).isEqualTo(3); // a list is never read again
  }

  /** The largest length a varint32 can declare (a negative int32) is refused from the head. */
  @Test
  void aListDeclaringMoreThanTwoGibibytesIsATypedErrorFromItsHead() throws IOException {
    byte[] body = listDeclaring(-1, listFields(pod("a")));
    assertThatThrownBy(
            () -> new ProtobufCodec(null).decode(new ByteArrayInputStream(body), V1PodList.class))
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("beyond 2 GiB");
  }

  /**
   * An item that declares 60 MB (under the 64 MiB cap) holding a name that declares 59 MB, cut
   * after a few bytes: what arrived is all that is allocated.
   */
  @Test
  void aStringDeclaringMegabytesInsideACutItemAllocatesOnlyWhatArrived() throws Exception {
    Buffer item = new Buffer();
    item.writeByte(0x12); // items
    varint(item, 60_000_000);
    item.writeByte(0x0a); // metadata
    varint(item, 59_999_990);
    item.writeByte(0x0a); // name
    varint(item, 59_999_980);
    item.write("abc".getBytes(StandardCharsets.UTF_8));
    byte[] body = listDeclaring(TWO_GB, item.readByteArray());
    new ProtobufCodec(null)
        .decode(ProtoWriter.list("v1", "PodList", "1", "", pod("warm")), V1PodList.class);

    long before = allocatedByThisThread();
    assertThatThrownBy(
            () -> new ProtobufCodec(null).decode(new ByteArrayInputStream(body), V1PodList.class))
        .isInstanceOf(ProtobufDecodeException.class);
    assertThat(allocatedByThisThread() - before).isLessThan(SMALL_ALLOCATION);
  }

  // ------------------------------------------------------------------ bounded read-ahead

  /** Counts what the decoder has taken from its source, and the largest single read it asked. */
  private static final class CountingSource extends InputStream {
    private final byte[] body;
    int served;
    int largestAsk;

    CountingSource(byte[] body) {
      this.body = body;
    }

    @Override
    public int read() {
      return served < body.length ? body[served++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      largestAsk = Math.max(largestAsk, len);
      if (served == body.length) {
        return -1;
      }
      int n = Math.min(len, body.length - served);
      System.arraycopy(body, served, b, off, n);
      served += n;
      return n;
    }
  }

  /** Where each item of a list body ends, read independently of the decoder. */
  private static List<Integer> itemEnds(byte[] body) throws IOException {
    KubernetesEnvelope env = KubernetesEnvelope.read(body, 0, body.length, "test");
    CodedInputStream in = CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength);
    List<Integer> ends = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return ends;
      }
      in.skipField(tag);
      if (tag >>> 3 == 2) {
        ends.add(env.rawOffset + in.getTotalBytesRead());
      }
    }
  }

  /**
   * When each item is handed on, the decoder has read at most one buffer ({@value
   * ProtobufCodec#STREAM_BUFFER_BYTES} bytes) beyond that item's last byte, and never asked its
   * source for more than one buffer at once: what it holds beyond the current item is bounded, for
   * a list of any length (here 400 real fixture pods, about 20 times the bound).
   */
  @Test
  void theDecoderHoldsAtMostOneBufferBeyondTheItemItDecodes() throws Exception {
    List<byte[]> pods = fixturePodRaws();
    List<byte[]> items = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      items.addAll(pods);
    }
    byte[] body = ProtoWriter.list("v1", "PodList", "7", "", items.toArray(byte[][]::new));
    List<Integer> ends = itemEnds(body);
    assertThat(ends).hasSize(400);
    assertThat(body.length).isGreaterThan(20 * ProtobufCodec.STREAM_BUFFER_BYTES);

    CountingSource source = new CountingSource(body);
    List<Integer> readAhead = new ArrayList<>();
    ProtobufCodec codec = new ProtobufCodec(null);
    V1PodList streamed =
        (V1PodList)
            codec.decodeStream(
                source,
                V1PodList.class,
                "test body",
                null,
                new KeptFields(),
                item -> {
                  int end = ends.get(readAhead.size());
                  assertThat(source.served).isGreaterThanOrEqualTo(end);
                  readAhead.add(source.served - end);
                });

    assertThat(readAhead).hasSize(400);
    assertThat(readAhead).allMatch(n -> n <= ProtobufCodec.STREAM_BUFFER_BYTES);
    assertThat(source.largestAsk).isLessThanOrEqualTo(ProtobufCodec.STREAM_BUFFER_BYTES);
    V1PodList whole = codec.decode(body, V1PodList.class);
    assertThat(streamed).isEqualTo(whole);
  }

  // ------------------------------------------------------------------ differential, paged

  private static JsonObject jsonList(List<JsonObject> items, String rv) {
    JsonObject list = new JsonObject();
    list.addProperty("kind", "PodList");
    list.addProperty("apiVersion", "v1");
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", rv);
    list.add("metadata", meta);
    JsonArray a = new JsonArray();
    items.forEach(a::add);
    list.add("items", a);
    return list;
  }

  /**
   * The same pods in Protobuf pages (three per page, through the pager's byte-level merge) and in
   * one JSON answer: the safe client's streamed Protobuf decode equals plain client-java's JSON
   * decode, item for item.
   */
  @Test
  void aPagedListOfFixturePodsDecodesEqualToPlainClientJavasJson() throws Exception {
    List<byte[]> raws = new ArrayList<>();
    List<JsonObject> jsons = new ArrayList<>();
    // The fixtures client-java 27 binds in JSON (plain client-java's strict models refuse the
    // fields newer releases added, which the safe client keeps instead).
    List<byte[]> allRaws = fixturePodRaws();
    List<JsonObject> allJsons = fixturePodJsons();
    List<Integer> known = new ArrayList<>();
    for (int i = 0; i < allJsons.size(); i++) {
      try {
        io.kubernetes.client.openapi.JSON.getGson().fromJson(allJsons.get(i), V1Pod.class);
        known.add(i);
      } catch (RuntimeException e) {
        // a field client-java 27 lacks
      }
    }
    assertThat(known).isNotEmpty();
    for (int copy = 0; copy < 4; copy++) {
      for (int i : known) {
        raws.add(allRaws.get(i));
        // The API server writes a list's items without their own kind and apiVersion.
        JsonObject item = allJsons.get(i).deepCopy();
        item.remove("kind");
        item.remove("apiVersion");
        jsons.add(item);
      }
    }
    int pageSize = 3;
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String accept = r.getHeaders().get("Accept");
            if (accept == null || !accept.contains("protobuf")) {
              return new MockResponse.Builder()
                  .code(200)
                  .addHeader("Content-Type", "application/json")
                  .body(jsonList(jsons, "77").toString())
                  .build();
            }
            String cont = r.getUrl().queryParameter("continue");
            int from = cont == null ? 0 : Integer.parseInt(cont);
            int to = Math.min(raws.size(), from + pageSize);
            String next = to < raws.size() ? Integer.toString(to) : "";
            return protobuf(
                ProtoWriter.list(
                    "v1", "PodList", "77", next, raws.subList(from, to).toArray(byte[][]::new)));
          }
        });
    ApiClient plain = new ApiClient();
    plain.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    V1PodList expected = new CoreV1Api(plain).listNamespacedPod("default").execute();

    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .userAgent("list-stream-test/1")
            .listPageSize(pageSize)
            .build();
    V1PodList actual =
        new CoreV1Api(safe.consistentApiClient()).listNamespacedPod("default").execute();

    assertThat(actual.getItems()).hasSize(jsons.size()).isEqualTo(expected.getItems());
    assertThat(actual.getMetadata().getResourceVersion()).isEqualTo("77");
    assertThat(actual.getMetadata().getContinue()).isNull();
    server.takeRequest(); // plain client-java's one JSON request
    int pages = (raws.size() + pageSize - 1) / pageSize;
    for (int i = 0; i < pages; i++) {
      RecordedRequest page = server.takeRequest();
      assertThat(page.getHeaders().get("Accept")).startsWith(ProtobufCodec.MEDIA_TYPE);
      assertThat(page.getUrl().queryParameter("limit")).isEqualTo(Integer.toString(pageSize));
      assertThat(page.getUrl().queryParameter("continue"))
          .isEqualTo(i == 0 ? null : Integer.toString(i * pageSize));
    }
    assertThat(server.getRequestCount()).isEqualTo(1 + pages);
  }

  /**
   * A list the server answers in one page is handed on by the pager unread: the call returns while
   * the server still holds back the rest of the body, which is then decoded as it arrives.
   */
  @Test
  void aOnePageListIsHandedOnByThePagerBeforeItsBodyHasArrived() throws Exception {
    byte[] whole = ProtoWriter.list("v1", "PodList", "9", "", pod("a"), pod("b"), pod("c"));
    List<Integer> ends = itemEnds(whole);
    int split = ends.get(0); // the head, the list metadata and the first item
    CountDownLatch released = new CountDownLatch(1);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
            .body(
                new MockResponseBody() {
                  @Override
                  public long getContentLength() {
                    return whole.length;
                  }

                  @Override
                  public void writeTo(BufferedSink sink) throws IOException {
                    sink.write(whole, 0, split);
                    sink.flush();
                    try {
                      if (!released.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      throw new IOException(e);
                    }
                    sink.write(whole, split, whole.length - split);
                    sink.flush();
                  }
                })
            .build());
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .userAgent("list-stream-test/1")
            .listPageSize(500)
            .build();
    CoreV1Api api = new CoreV1Api(safe.consistentApiClient());

    V1PodList list;
    try (Response r = api.listNamespacedPod("default").buildCall(null).execute()) {
      // The call is back while the server still holds back the rest of the body: the pager read
      // no more than the head (had it read the body, execute() would wait for the release).
      released.countDown();
      list = decode(safe, r);
    }
    assertThat(server.takeRequest().getUrl().queryParameter("limit")).isEqualTo("500");
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b", "c");
  }

  private static V1PodList decode(SafeClient safe, Response r) throws ApiException {
    return safe.consistentApiClient().handleResponse(r, V1PodList.class);
  }

  /**
   * A connection that drops in the middle of a list is a failed read, not bad Protobuf: the caller
   * gets the I/O error, and the group/version is still asked for in Protobuf.
   */
  @Test
  void aConnectionDroppedMidListIsAnIoErrorAndKeepsProtobuf() throws Exception {
    byte[] whole = ProtoWriter.list("v1", "PodList", "9", "", pod("a"), pod("b"), pod("c"));
    int split = itemEnds(whole).get(0);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
            .body(
                new MockResponseBody() {
                  @Override
                  public long getContentLength() {
                    return whole.length;
                  }

                  @Override
                  public void writeTo(BufferedSink sink) throws IOException {
                    sink.write(whole, 0, split);
                    sink.flush();
                    throw new IOException("the server goes away mid-body");
                  }
                })
            .build());
    server.enqueue(protobuf(whole));
    CoreV1Api core = new CoreV1Api(safe(64 * 1024 * 1024));

    Throwable failure =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> core.listNamespacedPod("default").execute());
    V1PodList next = core.listNamespacedPod("default").execute();

    assertThat(failure).isInstanceOf(ApiException.class);
    assertThat(failure.getCause())
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(ProtobufDecodeException.class);
    assertThat(next.getItems()).hasSize(3);
    server.takeRequest();
    assertThat(server.takeRequest().getHeaders().get("Accept"))
        .startsWith(ProtobufCodec.MEDIA_TYPE);
  }

  // ------------------------------------------------------------------ bad input

  private void assertListFails(byte[] body, String message) {
    server.enqueue(protobuf(body));
    assertThatThrownBy(
            () -> new CoreV1Api(safe(64 * 1024 * 1024)).listNamespacedPod("default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aStreamCutInsideAnItemIsATypedError() throws Exception {
    byte[] whole = ProtoWriter.list("v1", "PodList", "9", "", pod("alpha"), pod("beta"));
    List<Integer> ends = itemEnds(whole);
    byte[] cut = java.util.Arrays.copyOf(whole, ends.get(0) + 6); // inside the second item
    assertListFails(cut, "response body");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void wrongMagicIsATypedError() throws IOException {
    byte[] body = ProtoWriter.list("v1", "PodList", "9", "", pod("a"));
    body[3] = 1;
    assertListFails(body, "not Kubernetes Protobuf");
  }

  @Test
  void anEmptyBodyIsATypedError() {
    assertListFails(new byte[0], "empty body");
  }

  /** An item whose metadata arrives with the wrong wire type: a typed error, not a partial list. */
  @Test
  void aMalformedItemIsATypedError() throws IOException {
    byte[] bad = ProtoWriter.message().varint(1, 7).build();
    assertListFails(ProtoWriter.list("v1", "PodList", "9", "", pod("a"), bad), "wire type");
  }

  /** A list message whose length prefix says less than the items that follow. */
  @Test
  void anItemLongerThanItsListIsATypedError() throws Exception {
    byte[] fields = listFields(pod("a"), pod("b"));
    assertListFails(listDeclaring(fields.length - 3, fields), "response body");
  }
}
