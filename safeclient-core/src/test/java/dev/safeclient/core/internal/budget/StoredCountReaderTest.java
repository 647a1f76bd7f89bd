package dev.safeclient.core.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

class StoredCountReaderTest {
  static final MediaType PROTOBUF = MediaType.get("application/vnd.kubernetes.protobuf");
  static final MediaType JSON = MediaType.get("application/json");

  /** k8s magic + runtime.Unknown{raw = PodList{metadata = ListMeta{..}, items × n}}. */
  static byte[] protobufList(int items, Long remaining) throws IOException {
    ByteArrayOutputStream listMeta = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(listMeta);
    m.writeString(2, "12345");
    if (remaining != null) {
      m.writeString(3, "continue-token");
      m.writeInt64(4, remaining);
    }
    m.flush();
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    CodedOutputStream l = CodedOutputStream.newInstance(list);
    l.writeBytes(1, ByteString.copyFrom(listMeta.toByteArray()));
    for (int i = 0; i < items; i++) {
      l.writeBytes(2, ByteString.copyFromUtf8("pod-" + i)); // an opaque Pod message
    }
    l.flush();
    ByteArrayOutputStream unknown = new ByteArrayOutputStream();
    unknown.write(new byte[] {'k', '8', 's', 0});
    CodedOutputStream u = CodedOutputStream.newInstance(unknown);
    u.writeBytes(1, ByteString.copyFromUtf8("typemeta"));
    u.writeBytes(2, ByteString.copyFrom(list.toByteArray()));
    u.writeString(4, "application/vnd.kubernetes.protobuf");
    u.flush();
    return unknown.toByteArray();
  }

  static ResponseBody body(byte[] bytes, MediaType type) {
    return ResponseBody.create(bytes, type);
  }

  @Test
  void countsProtobufItemsPlusRemaining() throws Exception {
    ResponseBody b = body(protobufList(3, 997L), PROTOBUF);
    assertThat(StoredCountReader.count(b)).hasValue(1000);
    // Peeked, not consumed: the caller still reads the whole body.
    assertThat(b.bytes()).isEqualTo(protobufList(3, 997L));
    assertThat(StoredCountReader.count(body(protobufList(5, null), PROTOBUF))).hasValue(5);
  }

  @Test
  void countsJsonAndRejectsGarbage() {
    String json =
        "{\"kind\":\"PodList\",\"metadata\":{\"remainingItemCount\":10},\"items\":[{},{\"a\":[1]}]}";
    assertThat(StoredCountReader.count(body(json.getBytes(), JSON))).hasValue(12);
    assertThat(StoredCountReader.count(body("{\"items\":".getBytes(), JSON))).isEmpty();
    assertThat(StoredCountReader.count(body("k8s\0garbage".getBytes(), PROTOBUF))).isEmpty();
  }

  @Test
  void givesUpOnBodiesTooBigToPeek() {
    Buffer big = new Buffer();
    big.writeUtf8("{\"items\":[");
    while (big.size() < StoredCountReader.MAX_BYTES + 10) {
      big.writeUtf8("{\"metadata\":{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}},");
    }
    big.writeUtf8("{}]}");
    // Unknown length (chunked): the bounded peek stops at the limit.
    ResponseBody chunked = ResponseBody.create(big, JSON, -1);
    assertThat(StoredCountReader.count(chunked)).isEmpty();
  }
}
