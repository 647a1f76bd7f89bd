package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.internal.NegotiatedWatchFormat;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.models.V1Pod;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

class NegotiatedWatchFormatTest {
  private final WarningChannel warnings = new WarningChannel(null, SafeClientMetrics.NOOP);
  private final NegotiatedWatchFormat format =
      new NegotiatedWatchFormat(
          new ProtobufCodec(null), WatchStreamFormat.jsonLines(new TolerantJson(warnings)));

  private static Response response(byte[] body, String contentType) {
    return new Response.Builder()
        .request(new Request.Builder().url("http://127.0.0.1/api/v1/pods?watch=true").build())
        .protocol(Protocol.HTTP_1_1)
        .code(200)
        .message("OK")
        .body(ResponseBody.create(body, MediaType.get(contentType)))
        .build();
  }

  @Test
  void asksProtobufFirstOnlyForBuiltInModels() {
    assertThat(format.accept(V1Pod.class))
        .isEqualTo("application/vnd.kubernetes.protobuf;stream=watch, application/json");
    assertThat(
            format.accept(io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject.class))
        .isEqualTo("application/json");
  }

  @Test
  void readsProtobufFramesAndFallsBackToJsonLines() throws Exception {
    byte[] pod = KubeApiTestdata.headBytes("core.v1.Pod.pb");
    byte[] frame = ProtobufWatchTest.frame("ADDED", pod);
    try (WatchEventReader<V1Pod> r =
        format.open(
            response(frame, "application/vnd.kubernetes.protobuf;stream=watch"), V1Pod.class)) {
      WatchEvent<V1Pod> e = r.next();
      assertThat(e.type()).isEqualTo(WatchEvent.Type.ADDED);
      assertThat(e.object().getMetadata().getName()).isEqualTo("nameValue");
      assertThat(r.next()).isNull();
    }
    String json =
        "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
            + "\"metadata\":{\"name\":\"j\",\"resourceVersion\":\"5\"}}}\n";
    try (WatchEventReader<V1Pod> r =
        format.open(response(json.getBytes(), "application/json"), V1Pod.class)) {
      assertThat(r.next().object().getMetadata().getName()).isEqualTo("j");
    }
  }

  @Test
  void aFrameWithoutTheMagicIsATypedError() throws Exception {
    byte[] frame = ProtobufWatchTest.frame("ADDED", "not-k8s".getBytes());
    try (WatchEventReader<V1Pod> r =
        format.open(
            response(frame, "application/vnd.kubernetes.protobuf;stream=watch"), V1Pod.class)) {
      assertThatThrownBy(r::next).isInstanceOf(ProtobufDecodeException.class);
    }
  }
}
