package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.watch.WatchEvent;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import okio.BufferedSink;
import okio.Okio;
import okio.Pipe;
import org.junit.jupiter.api.Test;

class ProtobufWatchEventReaderTest {
  private final ProtobufCodec codec = new ProtobufCodec(null);

  private static byte[] podBody(String name, String rv) {
    return ProtoWriter.envelope(
        "v1",
        "Pod",
        ProtoWriter.message()
            .message(1, ProtoWriter.message().string(1, name).string(6, rv))
            .build());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private ProtobufWatchEventReader<V1Pod> reader(byte[] stream) {
    return ProtobufWatchEventReader.open(new ByteArrayInputStream(stream), V1Pod.class, codec);
  }

  @Test
  void readsTypedEventsBookmarksAndErrorsThenEndsCleanly() throws Exception {
    byte[] status =
        ProtoWriter.envelope(
            "v1",
            "Status",
            ProtoWriter.message()
                .string(2, "Failure")
                .string(3, "too old resource version")
                .string(4, "Expired")
                .varint(6, 410)
                .build());
    byte[] stream =
        concat(
            ProtoWriter.watchFrame("ADDED", podBody("a", "1")),
            ProtoWriter.watchFrame("MODIFIED", podBody("a", "2")),
            ProtoWriter.watchFrame("BOOKMARK", podBody("", "3")),
            ProtoWriter.watchFrame("DELETED", podBody("a", "4")),
            ProtoWriter.watchFrame("ERROR", status));

    try (var r = reader(stream)) {
      WatchEvent<V1Pod> e = r.next();
      assertThat(e.type()).isEqualTo(WatchEvent.Type.ADDED);
      assertThat(e.object().getMetadata().getName()).isEqualTo("a");
      assertThat(r.next().object().getMetadata().getResourceVersion()).isEqualTo("2");
      assertThat(r.next().type()).isEqualTo(WatchEvent.Type.BOOKMARK);
      assertThat(r.next().type()).isEqualTo(WatchEvent.Type.DELETED);
      WatchEvent<V1Pod> err = r.next();
      assertThat(err.type()).isEqualTo(WatchEvent.Type.ERROR);
      assertThat(err.status().getCode()).isEqualTo(410);
      assertThat(err.status().getReason()).isEqualTo("Expired");
      assertThat(r.next()).isNull();
    }
  }

  @Test
  void theWatchEventFixtureDecodes() throws Exception {
    // A raw WatchEvent (no magic) whose object has an empty kind: legal, as the fixture shows.
    byte[] fixture = Files.readAllBytes(Fixtures.dir().resolve("core.v1.WatchEvent.pb"));
    byte[] event = ProtoWriter.rawOf(fixture);
    byte[] frame = new byte[4 + event.length];
    frame[0] = (byte) (event.length >>> 24);
    frame[1] = (byte) (event.length >>> 16);
    frame[2] = (byte) (event.length >>> 8);
    frame[3] = (byte) event.length;
    System.arraycopy(event, 0, frame, 4, event.length);
    // The fixture's type is a placeholder ("typeValue"), not a real event type.
    assertThatThrownBy(() -> reader(frame).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("typeValue");
  }

  @Test
  void anEmptyKindIsAcceptedAndAWrongKindIsNot() throws Exception {
    byte[] noKind =
        ProtoWriter.envelope(
            "", "", ProtoWriter.message().message(1, ProtoWriter.message().string(1, "x")).build());
    assertThat(
            reader(ProtoWriter.watchFrame("ADDED", noKind)).next().object().getMetadata().getName())
        .isEqualTo("x");
    byte[] node = ProtoWriter.envelope("v1", "Node", ProtoWriter.message().build());
    assertThatThrownBy(() -> reader(ProtoWriter.watchFrame("ADDED", node)).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("expected kind Pod, got Node");
  }

  @Test
  void badFramesAreTypedErrors() throws Exception {
    byte[] good = ProtoWriter.watchFrame("ADDED", podBody("a", "1"));
    // truncated inside the length, and inside the frame
    assertThatThrownBy(() -> reader(Arrays.copyOf(good, 2)).next())
        .isInstanceOf(ProtobufDecodeException.class);
    assertThatThrownBy(() -> reader(Arrays.copyOf(good, good.length - 3)).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("truncated");
    // a length larger than the stream: no allocation of it, a clear error
    byte[] lying = {0x03, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3};
    assertThatThrownBy(() -> reader(lying).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("truncated");
    // larger than the maximum
    byte[] huge = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(() -> reader(huge).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("exceeds the maximum");
    assertThatThrownBy(
            () ->
                ProtobufWatchEventReader.open(
                        new ByteArrayInputStream(good), V1Pod.class, codec, 10)
                    .next())
        .isInstanceOf(ProtobufDecodeException.class);
    // the object without the magic
    byte[] noMagic = ProtoWriter.watchFrame("ADDED", ProtoWriter.rawOf(podBody("a", "1")));
    assertThatThrownBy(() -> reader(noMagic).next())
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("magic");
  }

  @Test
  void aFailedStreamStaysFailed() throws Exception {
    byte[] stream =
        concat(
            new byte[] {0, 0, 0, 2, (byte) 0xff, (byte) 0xff},
            ProtoWriter.watchFrame("ADDED", podBody("a", "1")));
    var r = reader(stream);
    assertThatThrownBy(r::next).isInstanceOf(ProtobufDecodeException.class);
    assertThatThrownBy(r::next).isInstanceOf(ProtobufDecodeException.class);
  }

  /**
   * okio's response stream blocks a read of 0 bytes until more data comes, as a real watch body
   * does. The pipe here holds only the first frame: the event must be returned without another
   * byte. A reader that reads past the frame times out on the pipe instead (a failure, never a
   * pass).
   */
  @Test
  void anEventIsReturnedAsSoonAsItsFrameHasArrived() throws Exception {
    Pipe pipe = new Pipe(1 << 20);
    pipe.source().timeout().timeout(20, TimeUnit.SECONDS);
    BufferedSink server = Okio.buffer(pipe.sink());
    var r =
        ProtobufWatchEventReader.open(Okio.buffer(pipe.source()).inputStream(), V1Pod.class, codec);

    server.write(ProtoWriter.watchFrame("ADDED", podBody("a", "1"))).flush();
    assertThat(r.next().object().getMetadata().getName()).isEqualTo("a");

    server.write(ProtoWriter.watchFrame("MODIFIED", podBody("a", "2"))).flush();
    assertThat(r.next().object().getMetadata().getResourceVersion()).isEqualTo("2");
    server.close();
    assertThat(r.next()).isNull();
  }

  /** A 2 GB length is refused from the 4 length bytes alone: no allocation, no further read. */
  @Test
  void aTwoGigabyteLengthIsATypedErrorAtOnce() throws Exception {
    Pipe pipe = new Pipe(1 << 20);
    pipe.source().timeout().timeout(20, TimeUnit.SECONDS);
    BufferedSink server = Okio.buffer(pipe.sink());
    var r =
        ProtobufWatchEventReader.open(Okio.buffer(pipe.source()).inputStream(), V1Pod.class, codec);
    server.write(new byte[] {(byte) 0x80, 0, 0, 0}).flush();
    assertThatThrownBy(r::next)
        .isInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("2147483648 bytes exceeds the maximum of 67108864");
  }

  @Test
  void aFrameLongerThanTheFirstBufferIsReadWhole() throws Exception {
    String longName = "n".repeat(300_000);
    byte[] stream = ProtoWriter.watchFrame("ADDED", podBody(longName, "1"));
    assertThat(reader(stream).next().object().getMetadata().getName()).isEqualTo(longName);
  }
}
