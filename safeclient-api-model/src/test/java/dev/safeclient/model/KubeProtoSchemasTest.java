package dev.safeclient.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.safeclient.model.testdata.KubeApiTestdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KubeProtoSchemasTest {
  private static final KubeProtoSchemas UNION = KubeProtoSchemas.union();

  static List<String> releases() {
    return KubeProtoSchemas.RELEASES;
  }

  @ParameterizedTest
  @MethodSource("releases")
  void everyMessageAndFieldOfEveryReleaseIsInTheUnionWithTheSameNumberAndType(String release) {
    KubeProtoSchemas one = KubeProtoSchemas.release(release);
    assertThat(one.messageNames()).hasSizeGreaterThan(500);
    for (String name : one.messageNames()) {
      Descriptor own = one.message(name).orElseThrow();
      Descriptor union = UNION.message(name).orElseThrow(() -> new AssertionError(name));
      for (FieldDescriptor field : own.getFields()) {
        FieldDescriptor merged = union.findFieldByNumber(field.getNumber());
        assertThat(merged).as(field.getFullName()).isNotNull();
        assertThat(merged.getName()).isEqualTo(field.getName());
        assertThat(merged.getType()).isEqualTo(field.getType());
        assertThat(merged.isRepeated()).isEqualTo(field.isRepeated());
        if (field.getType() == FieldDescriptor.Type.MESSAGE) {
          assertThat(merged.getMessageType().getFullName())
              .isEqualTo(field.getMessageType().getFullName());
        }
        assertThat(UNION.releasesDefining(field.getFullName())).contains(release);
      }
      assertThat(UNION.releasesDefining(name)).contains(release);
    }
  }

  @Test
  void theUnionKeepsFieldsOnlyOneReleaseHas() {
    Descriptor podSpec = UNION.message("k8s.io.api.core.v1.PodSpec").orElseThrow();
    // Added on master (1.37 in development).
    FieldDescriptor evictionResponders = podSpec.findFieldByName("evictionResponders");
    assertThat(evictionResponders.getNumber()).isEqualTo(44);
    assertThat(UNION.releasesDefining("k8s.io.api.core.v1.PodSpec.evictionResponders"))
        .containsExactly("master");
    assertThat(
            KubeProtoSchemas.release("1.30")
                .message("k8s.io.api.core.v1.PodSpec")
                .orElseThrow()
                .findFieldByName("evictionResponders"))
        .isNull();
    // 1.35 only: dropped again in 1.36, yet a 1.35 server sends it.
    FieldDescriptor workloadRef = podSpec.findFieldByName("workloadRef");
    assertThat(workloadRef.getNumber()).isEqualTo(42);
    assertThat(UNION.releasesDefining(workloadRef.getFullName())).containsExactly("1.35");
    assertThat(UNION.comment(workloadRef)).as("its comment moved with it").isNotBlank();
    // Messages that only older releases define.
    assertThat(UNION.releasesDefining("k8s.io.api.resource.v1alpha3.ResourceClaim"))
        .contains("1.31")
        .doesNotContain("master");
    assertThat(UNION.message("k8s.io.api.resource.v1alpha3.ResourceClaim")).isPresent();
    assertThat(UNION.releasesDefining("k8s.io.api.core.v1.Pod")).isEqualTo(releases());
    assertThat(UNION.releasesDefining("k8s.io.api.core.v1.NoSuchKind")).isEmpty();
  }

  @Test
  void patchMergeKeyAndStrategyComeFromTheFieldComments() {
    Descriptor podSpec = UNION.message("k8s.io.api.core.v1.PodSpec").orElseThrow();
    PatchStrategy containers =
        UNION.patchStrategy(podSpec.findFieldByName("containers")).orElseThrow();
    assertThat(containers.strategies()).containsExactly("merge");
    assertThat(containers.patchMergeKey()).contains("name");
    assertThat(containers.merges()).isTrue();

    PatchStrategy volumes = UNION.patchStrategy(podSpec.findFieldByName("volumes")).orElseThrow();
    assertThat(volumes.strategies()).containsExactly("merge", "retainKeys");
    assertThat(volumes.patchMergeKey()).contains("name");

    Map<String, List<String>> markers = UNION.markers(podSpec.findFieldByName("containers"));
    assertThat(markers).containsEntry("listType", List.of("map"));
    assertThat(markers).containsEntry("listMapKey", List.of("name"));

    assertThat(UNION.patchStrategy(podSpec.findFieldByName("nodeName"))).isEmpty();
    assertThat(UNION.markers(podSpec.findFieldByName("nodeName"))).containsKey("optional");
  }

  @Test
  void anUnknownReleaseIsATypedError() {
    assertThatThrownBy(() -> KubeProtoSchemas.release("1.29"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.29");
  }

  static List<Path> headProtobufFixtures() throws IOException {
    try (Stream<Path> files = Files.list(KubeApiTestdata.head())) {
      return files.filter(p -> p.toString().endsWith(".pb")).sorted().toList();
    }
  }

  /** The development line's serializer wrote every field it knows: the union must know them all. */
  @ParameterizedTest
  @MethodSource("headProtobufFixtures")
  void theUnionDecodesEveryDevelopmentLineFixtureWithNoUnknownField(Path fixture)
      throws IOException {
    byte[] bytes = Files.readAllBytes(fixture);
    assertThat(Arrays.copyOf(bytes, 4)).isEqualTo(new byte[] {'k', '8', 's', 0});
    DynamicMessage envelope =
        DynamicMessage.parseFrom(
            UNION.message("k8s.io.apimachinery.pkg.runtime.Unknown").orElseThrow(),
            Arrays.copyOfRange(bytes, 4, bytes.length));
    Descriptor type = typeOf(fixture.getFileName().toString());
    DynamicMessage object =
        DynamicMessage.parseFrom(
            type,
            (com.google.protobuf.ByteString)
                envelope.getField(envelope.getDescriptorForType().findFieldByName("raw")));
    assertThat(unknownFields(object, type.getName())).isEmpty();
    assertThat(object.getAllFields()).isNotEmpty();
  }

  /** {@code <group>.<version>.<Kind>.pb} to the message that encodes it. */
  private static Descriptor typeOf(String fileName) {
    String[] parts = fileName.substring(0, fileName.length() - ".pb".length()).split("\\.");
    String kind = parts[parts.length - 1];
    String version = parts[parts.length - 2];
    String group = parts[0];
    List<String> packages =
        List.of(
            "k8s.io.api." + group + "." + version,
            "k8s.io.api.apiserver" + group + "." + version, // internal.apiserver.k8s.io
            "k8s.io.kube_aggregator.pkg.apis." + group + "." + version,
            "k8s.io.apimachinery.pkg.apis.meta." + version); // options kinds (core.v1.GetOptions)
    for (String pkg : packages) {
      var message = UNION.message(pkg + "." + kind);
      if (message.isPresent()) {
        return message.get();
      }
    }
    throw new AssertionError("no message for " + fileName + " in any of " + packages);
  }

  private static List<String> unknownFields(Message message, String path) {
    List<String> unknown = new ArrayList<>();
    if (!message.getUnknownFields().asMap().isEmpty()) {
      unknown.add(path + " " + message.getUnknownFields().asMap().keySet());
    }
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      if (e.getKey().getType() != FieldDescriptor.Type.MESSAGE) {
        continue;
      }
      String at = path + "." + e.getKey().getName();
      if (e.getValue() instanceof List<?> list) {
        for (Object item : list) {
          unknown.addAll(unknownFields((Message) item, at));
        }
      } else {
        unknown.addAll(unknownFields((Message) e.getValue(), at));
      }
    }
    return unknown;
  }
}
