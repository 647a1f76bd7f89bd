package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Watch framing: JSON lines around the stored bytes, bookmarks, errors, Protobuf frames. */
class WatchEventsTest {
  /** Odd spacing, field order and a field no model knows: only the raw bytes keep them. */
  private static final byte[] STORED =
      "{\"metadata\": {\"name\":\"a\",\"resourceVersion\":\"7\"},  \"kind\":\"Pod\",\"x-new\":1}"
          .getBytes(StandardCharsets.UTF_8);

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void anEventLineCarriesTheObjectBytesUnchanged() {
    byte[] line = WatchEvents.json(WatchEvents.Type.MODIFIED, STORED);
    assertThat(s(line)).isEqualTo("{\"type\":\"MODIFIED\",\"object\":" + s(STORED) + "}\n");
    byte[] object =
        Arrays.copyOfRange(line, "{\"type\":\"MODIFIED\",\"object\":".length(), line.length - 2);
    assertThat(object).isEqualTo(STORED);
  }

  @Test
  void thePartsShareTheStoredArray() {
    var parts = WatchEvents.jsonParts(WatchEvents.Type.ADDED, STORED);
    assertThat(parts).hasSize(3);
    assertThat(parts.get(1).isReadOnly()).isTrue();
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (ByteBuffer b : parts) {
      byte[] chunk = new byte[b.remaining()];
      b.duplicate().get(chunk);
      joined.writeBytes(chunk);
    }
    assertThat(joined.toByteArray()).isEqualTo(WatchEvents.json(WatchEvents.Type.ADDED, STORED));
  }

  @Test
  void bookmarksCarryOnlyTheResourceVersion() {
    assertThat(s(WatchEvents.bookmark("v1", "Pod", 42, false)))
        .isEqualTo(
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"42\"}}}\n");
    assertThat(s(WatchEvents.bookmark("apps/v1", "Deployment", 43, true)))
        .isEqualTo(
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\","
                + "\"metadata\":{\"resourceVersion\":\"43\",\"annotations\":"
                + "{\"k8s.io/initial-events-end\":\"true\"}}}}\n");
  }

  @Test
  void anErrorEventCarriesAStatus() {
    assertThat(s(WatchEvents.error(Status.tooOldResourceVersion(3, 50))))
        .isEqualTo(
            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version:"
                + " 3 (50)\",\"reason\":\"Expired\",\"code\":410}}\n");
  }

  @Test
  void aProtobufFrameIsALengthThenAWatchEvent() throws Exception {
    byte[] message = new byte[300]; // a length that needs a two-byte varint
    Arrays.fill(message, (byte) 7);
    byte[] enveloped = ProtobufEnvelope.wrap("v1", "Pod", message);
    byte[] frame = WatchEvents.protobufFrame(WatchEvents.Type.DELETED, enveloped);
    int length = ByteBuffer.wrap(frame, 0, 4).getInt();
    assertThat(length).isEqualTo(frame.length - 4);
    CodedInputStream in = CodedInputStream.newInstance(frame, 4, length);
    assertThat(in.readTag()).isEqualTo(0x0a);
    assertThat(in.readString()).isEqualTo("DELETED");
    assertThat(in.readTag()).isEqualTo(0x12);
    CodedInputStream raw = CodedInputStream.newInstance(in.readByteArray());
    assertThat(raw.readTag()).isEqualTo(0x0a);
    byte[] inner = raw.readByteArray();
    assertThat(inner).isEqualTo(enveloped);
    assertThat(in.isAtEnd()).isTrue();
    ProtobufEnvelope e = ProtobufEnvelope.unwrap(inner);
    assertThat(e.apiVersion()).isEqualTo("v1");
    assertThat(e.kind()).isEqualTo("Pod");
    assertThat(e.raw()).isEqualTo(message);
    assertThat(ProtobufEnvelope.isEnveloped(STORED)).isFalse();
    assertThat(ProtobufEnvelope.wrappedSize("v1", "Pod", message.length))
        .isEqualTo(enveloped.length);
    assertThat(ProtobufEnvelope.magic()).containsExactly('k', '8', 's', 0);
  }
}
