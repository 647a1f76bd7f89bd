package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.testdata.ProtobufObjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * KubeSim's Protobuf encoder against the Kubernetes serializers' own bytes: encoding a fixture's
 * JSON object must give bytes that decode to the same object as the fixture's .pb (K8S-API-FACTS,
 * "Protobuf on the wire": "A decoder is correct when each .pb decodes to the same object as its
 * .json").
 */
class ProtobufFixturesTest {
  static final Path FIXTURES = KubeApiTestdata.head();

  /** The Unknown envelope, read by hand: {1 typeMeta{1 apiVersion, 2 kind}, 2 raw}. */
  record Envelope(String apiVersion, String kind, byte[] raw) {}

  static Envelope unwrap(byte[] bytes) throws IOException {
    assertThat(Arrays.copyOf(bytes, 4)).isEqualTo(ProtobufEncoding.MAGIC);
    CodedInputStream in = CodedInputStream.newInstance(bytes, 4, bytes.length - 4);
    String apiVersion = "";
    String kind = "";
    byte[] raw = new byte[0];
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (tag >>> 3) {
        case 1:
          CodedInputStream tm = CodedInputStream.newInstance(in.readByteArray());
          int t;
          while ((t = tm.readTag()) != 0) {
            if (t >>> 3 == 1) {
              apiVersion = tm.readString();
            } else if (t >>> 3 == 2) {
              kind = tm.readString();
            } else {
              tm.skipField(t);
            }
          }
          break;
        case 2:
          raw = in.readByteArray();
          break;
        default:
          in.skipField(tag);
      }
    }
    return new Envelope(apiVersion, kind, raw);
  }

  @Test
  void encodingEachFixturesJsonDecodesToTheSameObjectAsItsPb() throws Exception {
    List<String> checked = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    List<String> noDescriptor = new ArrayList<>();
    try (Stream<Path> files = Files.list(FIXTURES)) {
      for (Path pb : files.filter(p -> p.toString().endsWith(".pb")).sorted().toList()) {
        String base = pb.getFileName().toString().replaceAll("\\.pb$", "");
        Path json = pb.resolveSibling(base + ".json");
        if (!Files.exists(json)) {
          continue;
        }
        Envelope theirs = unwrap(Files.readAllBytes(pb));
        Descriptor d = ProtobufEncoding.descriptor(theirs.apiVersion(), theirs.kind());
        if (d == null) {
          noDescriptor.add(base);
          continue;
        }
        JsonObject obj = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        byte[] ours;
        try {
          ours = ProtobufEncoding.object(theirs.apiVersion(), theirs.kind(), d, obj);
        } catch (RuntimeException e) {
          mismatched.add(base + " (" + e.getMessage() + ")");
          continue;
        }
        Envelope mine = unwrap(ours);
        assertThat(mine.apiVersion()).isEqualTo(theirs.apiVersion());
        assertThat(mine.kind()).isEqualTo(theirs.kind());
        Message a = ProtobufObjects.normalize(DynamicMessage.parseFrom(d, theirs.raw()));
        Message b = ProtobufObjects.normalize(DynamicMessage.parseFrom(d, mine.raw()));
        checked.add(base);
        if (!a.equals(b)) {
          if (System.getProperty("kubesim.debug") != null) {
            java.nio.file.Files.writeString(Path.of("/tmp/pb-" + base + ".theirs"), a.toString());
            java.nio.file.Files.writeString(Path.of("/tmp/pb-" + base + ".ours"), b.toString());
          }
          mismatched.add(base);
        }
      }
    }
    System.out.println(
        "protobuf fixtures: "
            + checked.size()
            + " checked, "
            + noDescriptor.size()
            + " without a descriptor in client-java-proto 27, mismatched: "
            + mismatched);
    assertThat(checked)
        .hasSizeGreaterThan(100)
        .contains(
            "core.v1.Pod",
            "apps.v1.Deployment",
            "core.v1.Status",
            "core.v1.Node",
            "policy.v1.PodDisruptionBudget");
    assertThat(mismatched).isEmpty();
  }
}
