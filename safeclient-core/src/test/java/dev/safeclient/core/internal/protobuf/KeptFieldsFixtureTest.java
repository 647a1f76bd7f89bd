package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.model.testdata.KubeApiTestdata;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fields of a newer server that client-java 27's models lack are kept from Protobuf exactly as from
 * JSON: for every fixture with a model, the object decoded from the {@code .pb} writes the same
 * JSON as the object decoded from its {@code .json}, unknown fields included, at every depth. So
 * the fields are named through the schema and rendered in Kubernetes' JSON mapping (int64 as a
 * number, Time in RFC 3339, Quantity and IntOrString as strings or numbers, RawExtension and
 * FieldsV1 as JSON, bytes in base64), not in protobuf-java's JsonFormat.
 */
class KeptFieldsFixtureTest {
  private static List<Path> dirs() {
    return List.of(
        KubeApiTestdata.head(),
        KubeApiTestdata.release("v1.34.0"),
        KubeApiTestdata.release("v1.35.0"),
        KubeApiTestdata.release("v1.36.0"));
  }

  @Test
  void everyFixtureKeepsFromProtobufTheFieldsJsonKeeps() throws Exception {
    TolerantJson json = new TolerantJson(null);
    ProtobufCodec codec = new ProtobufCodec(null, json);
    List<String> withKeptFields = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    int compared = 0;
    for (Path dir : dirs()) {
      List<Path> pbs;
      try (Stream<Path> s = Files.list(dir)) {
        pbs = s.filter(p -> p.toString().endsWith(".pb")).sorted().toList();
      }
      for (Path pb : pbs) {
        String name = pb.getFileName().toString().replaceAll("\\.pb$", "");
        Class<?> model = Fixtures.modelClass(Fixtures.apiVersionOf(name), Fixtures.kindOf(name));
        Path jsonFile = dir.resolve(name + ".json");
        if (model == null || !Files.exists(jsonFile)) {
          continue;
        }
        Object fromJson =
            json.decode(
                new StringReader(Files.readString(jsonFile, StandardCharsets.UTF_8)), model, null);
        Object fromPb = codec.decode(Files.readAllBytes(pb), model);
        compared++;
        JsonElement expected = JsonParser.parseString(json.encode(fromJson));
        JsonElement actual = JsonParser.parseString(json.encode(fromPb));
        String where = dir.getFileName() + "/" + name;
        if (!TolerantJson.unknownFields(fromJson).isEmpty() || !expected.equals(plain(fromJson))) {
          withKeptFields.add(where);
        }
        if (!expected.equals(actual)) {
          differing.add(where + ": " + Fixtures.diff(expected, actual, ""));
        }
      }
    }
    assertThat(compared).isGreaterThan(300);
    assertThat(differing).isEmpty();
    // The HEAD fixtures are of a newer server than client-java 27: some carry unknown fields.
    assertThat(withKeptFields).contains("k8s-testdata/core.v1.Pod");
  }

  /** What client-java would write for the object: its model fields only. */
  private static JsonElement plain(Object o) {
    return Fixtures.REFERENCE_GSON.toJsonTree(o);
  }
}
