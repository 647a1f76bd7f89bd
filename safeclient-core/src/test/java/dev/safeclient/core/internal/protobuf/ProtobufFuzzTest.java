package dev.safeclient.core.internal.protobuf;

import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.watch.WatchEvent;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random mutations of real fixtures decode to an object or fail with {@link
 * ProtobufDecodeException}: never another exception, a hang or an out-of-memory error.
 */
class ProtobufFuzzTest {
  private static final byte[] POD = read("core.v1.Pod.pb");
  private static final byte[] DEPLOYMENT = read("apps.v1.Deployment.pb");

  private static byte[] read(String name) {
    try {
      return Fixtures.read(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A mutation: flip, overwrite, cut or insert bytes at random positions. */
  record Mutation(int kind, int position, int value, int count) {
    byte[] apply(byte[] in) {
      byte[] b = in.clone();
      if (b.length == 0) {
        return b;
      }
      int p = Math.floorMod(position, b.length);
      switch (kind) {
        case 0 -> {
          for (int i = 0; i < count && p + i < b.length; i++) {
            b[p + i] ^= (byte) value;
          }
        }
        case 1 -> b[p] = (byte) value;
        case 2 -> b = Arrays.copyOf(b, p);
        default -> {
          byte[] out = new byte[b.length + count];
          System.arraycopy(b, 0, out, 0, p);
          Arrays.fill(out, p, p + count, (byte) value);
          System.arraycopy(b, p, out, p + count, b.length - p);
          b = out;
        }
      }
      return b;
    }
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, Integer.MAX_VALUE),
            Arbitraries.integers().between(0, 255),
            Arbitraries.integers().between(1, 8))
        .as(Mutation::new);
  }

  @Property(tries = 300)
  void mutatedBodiesDecodeOrFailTyped(
      @ForAll("mutations") Mutation m1, @ForAll("mutations") Mutation m2) {
    ProtobufCodec codec = new ProtobufCodec(null);
    for (byte[] fixture : new byte[][] {POD, DEPLOYMENT}) {
      byte[] mutated = m2.apply(m1.apply(fixture));
      Class<?> type = fixture == POD ? V1Pod.class : V1Deployment.class;
      try {
        codec.decode(mutated, type);
      } catch (ProtobufDecodeException expected) {
        // the one allowed failure
      }
      try {
        codec.toJsonTree(mutated);
      } catch (ProtobufDecodeException expected) {
        // the one allowed failure
      }
    }
  }

  @Property(tries = 200)
  void mutatedWatchStreamsYieldEventsOrFailTyped(@ForAll("mutations") Mutation m) {
    ProtobufCodec codec = new ProtobufCodec(null);
    byte[] frame = ProtoWriter.watchFrame("ADDED", POD);
    byte[] stream = new byte[frame.length * 2];
    System.arraycopy(frame, 0, stream, 0, frame.length);
    System.arraycopy(frame, 0, stream, frame.length, frame.length);
    byte[] mutated = m.apply(stream);
    var reader =
        ProtobufWatchEventReader.open(
            new ByteArrayInputStream(mutated), V1Pod.class, codec, 1 << 20);
    try {
      for (int i = 0; i < 4; i++) {
        WatchEvent<V1Pod> e = reader.next();
        if (e == null) {
          break;
        }
      }
    } catch (ProtobufDecodeException expected) {
      // the one allowed failure
    } catch (IOException e) {
      throw new AssertionError("untyped IOException", e);
    }
  }
}
