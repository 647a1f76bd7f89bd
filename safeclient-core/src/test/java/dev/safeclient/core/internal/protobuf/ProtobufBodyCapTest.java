package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A single object's Protobuf body beyond the configured cap is a typed error before its bytes are
 * read; a list body is not capped, but each of its items is.
 */
@Timeout(60)
class ProtobufBodyCapTest {
  @StartStop final MockWebServer server = new MockWebServer();

  private CoreV1Api core(int cap) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return new CoreV1Api(
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .userAgent("body-cap-test/1")
            .maxProtobufObjectBytes(cap)
            .build()
            .apiClient());
  }

  /** A pod whose name pads its body to about {@code bytes}. */
  private static byte[] bigPod(int bytes) {
    return ProtoWriter.message()
        .message(
            1,
            ProtoWriter.message()
                .string(1, "p" + "x".repeat(bytes))
                .string(3, "default")
                .string(6, "42"))
        .build();
  }

  private static MockResponse protobuf(byte[] body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
        .body(new Buffer().write(body))
        .build();
  }

  @Test
  void aSingleObjectBeyondTheCapIsATypedErrorAndAListIsNotCapped() throws Exception {
    CoreV1Api core = core(1024);
    server.enqueue(protobuf(ProtoWriter.envelope("v1", "Pod", bigPod(4096))));
    server.enqueue(
        protobuf(
            ProtoWriter.list(
                "v1", "PodList", "50", "", bigPod(600), bigPod(600), bigPod(600), bigPod(600))));

    assertThatThrownBy(() -> core.readNamespacedPod("p", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("exceeds the maximum of 1024");
    V1PodList list = core.listNamespacedPod("default").execute();

    assertThat(list.getItems()).hasSize(4); // about 2.5 KB of list, under a 1 KB cap
    assertThat(server.getRequestCount()).isEqualTo(2); // no JSON re-read of the refused object
  }

  /** The cap holds for each item of a list: never one object larger than a single GET allows. */
  @Test
  void aListItemBeyondTheCapIsATypedErrorAndTheListIsNotReadAgain() throws Exception {
    CoreV1Api core = core(1024);
    server.enqueue(
        protobuf(ProtoWriter.list("v1", "PodList", "50", "", bigPod(600), bigPod(4096))));

    assertThatThrownBy(() -> core.listNamespacedPod("default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("list item of 4116 bytes exceeds the maximum of 1024");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  /** GenericKubernetesApi asks for a JSON tree: its LIST is a list all the same, not capped. */
  @Test
  void aGenericKubernetesApiListIsNotCapped() throws Exception {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    ApiClient client =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .userAgent("body-cap-test/1")
            .maxProtobufObjectBytes(1024)
            .build()
            .apiClient();
    server.enqueue(
        protobuf(
            ProtoWriter.list(
                "v1", "PodList", "50", "", bigPod(600), bigPod(600), bigPod(600), bigPod(600))));
    var pods =
        new io.kubernetes.client.util.generic.GenericKubernetesApi<>(
            io.kubernetes.client.openapi.models.V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            client);

    var listed = pods.list("default");

    assertThat(listed.isSuccess()).isTrue();
    assertThat(listed.getObject().getItems()).hasSize(4);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aChunkedSingleObjectBeyondTheCapIsATypedError() throws Exception {
    CoreV1Api core = core(1024);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
            .chunkedBody(new Buffer().write(ProtoWriter.envelope("v1", "Pod", bigPod(4096))), 512)
            .build());

    assertThatThrownBy(() -> core.readNamespacedPod("p", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("exceeds the maximum");
  }

  /** A declared length of 2 GB is refused from the headers alone, at the default cap. */
  @Test
  void aTwoGigabyteDeclaredLengthIsATypedErrorAtOnce() throws Exception {
    CoreV1Api core = core(64 * 1024 * 1024);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
            .body(
                new MockResponseBody() {
                  @Override
                  public long getContentLength() {
                    return 2L * 1024 * 1024 * 1024;
                  }

                  @Override
                  public void writeTo(BufferedSink sink) throws IOException {
                    sink.write(new byte[] {'k', '8', 's', 0});
                    sink.flush();
                  }
                })
            .build());

    assertThatThrownBy(() -> core.readNamespacedPod("p", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("2147483648 bytes exceeds the maximum of 67108864");
  }
}
