package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every {@code .pb} fixture whose type has a client-java model decodes to the same model object as
 * its {@code .json} twin (compared as canonical JSON trees after re-serializing both with
 * client-java's Gson). The JSON side drops the fields the models do not know, since client-java's
 * own JSON path throws on them; those are the SC203 fields the Protobuf side skips and counts.
 */
class FixtureEquivalenceTest {
  /**
   * Types whose Protobuf and JSON cannot decode identically, and why. Any other difference fails.
   * None today: the schema is the union of every release's {@code .proto} files, so fields the
   * client-java-proto 27 descriptors lacked (PodCertificateRequestSpec.stubPKCS10Request) are
   * known.
   */
  static final Map<String, String> EXPLAINED = Map.of();

  @Test
  void everyFixtureWithAModelDecodesLikeItsJson() throws Exception {
    ProtobufCodec codec = new ProtobufCodec(null);
    int identical = 0;
    int total = 0;
    int treeOnly = 0;
    Map<String, List<String>> differing = new TreeMap<>();
    Map<String, List<String>> treeDiffering = new TreeMap<>();
    List<String> noModel = new ArrayList<>();
    for (Path pb : Fixtures.protobufFiles()) {
      byte[] bytes = Files.readAllBytes(pb);
      KubernetesEnvelope env = KubernetesEnvelope.read(bytes, 0, bytes.length, pb.toString());
      String name = pb.getFileName().toString().replace(".pb", "");
      Class<?> model = Fixtures.modelClass(Fixtures.apiVersionOf(name), Fixtures.kindOf(name));
      if (model == null) {
        noModel.add(name);
        if (MessageResolver.byTypeMeta(env.apiVersion, env.kind) != null) {
          // No model to compare with, but the schema-driven JSON tree must still read it.
          assertThat(codec.toJsonTree(bytes).getAsJsonObject().get("kind").getAsString())
              .isEqualTo(env.kind);
          treeOnly++;
        }
        continue;
      }
      total++;
      JsonElement json =
          JsonParser.parseString(
              Files.readString(pb.resolveSibling(name + ".json"), StandardCharsets.UTF_8));
      Fixtures.pruneUnknown(json, model, "");
      Object fromJson = Fixtures.REFERENCE_GSON.fromJson(json, model);
      Object fromPb = codec.decode(bytes, model);
      JsonElement a = Fixtures.REFERENCE_GSON.toJsonTree(fromPb);
      JsonElement b = Fixtures.REFERENCE_GSON.toJsonTree(fromJson);
      List<String> d = Fixtures.diff(a, b, "");
      // The schema-only JSON tree (GenericKubernetesApi, Object fields) must say the same.
      Object viaTree = Fixtures.REFERENCE_GSON.fromJson(codec.toJsonTree(bytes, model), model);
      List<String> treeDiff = Fixtures.diff(Fixtures.REFERENCE_GSON.toJsonTree(viaTree), a, "");
      if (!treeDiff.isEmpty()) {
        treeDiffering.put(name, treeDiff);
      }
      if (d.isEmpty()) {
        identical++;
      } else {
        differing.put(name, d);
      }
    }
    System.out.printf(
        "Protobuf fixtures: %d of %d types with a client-java model identical to JSON%n",
        identical, total);
    differing.forEach((k, v) -> System.out.println("  differs " + k + ": " + v));
    System.out.println(
        "  no client-java 27 model: "
            + noModel.size()
            + ", of which read as a JSON tree: "
            + treeOnly
            + " "
            + noModel);
    System.out.println("  unknown fields counted (SC203): " + codec.unknownFieldCounts().keySet());
    treeDiffering.forEach((k, v) -> System.out.println("  JSON tree differs " + k + ": " + v));
    // 83 with client-java-proto 27's descriptors; the releases' union adds apiregistration,
    // resource.k8s.io's betas, networking v1beta1 IPAddress/ServiceCIDR, ...
    assertThat(total).isEqualTo(101);
    assertThat(noModel).hasSize(treeOnly);
    assertThat(treeDiffering).isEmpty();
    assertThat(differing.keySet()).isSubsetOf(EXPLAINED.keySet());
    assertThat(identical).isEqualTo(total - EXPLAINED.size());
  }
}
