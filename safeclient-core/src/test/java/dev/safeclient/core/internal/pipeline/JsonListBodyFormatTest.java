package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.testdata.KubeApiTestdata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import okhttp3.MediaType;
import org.junit.jupiter.api.Test;

class JsonListBodyFormatTest {
  final JsonListBodyFormat format = new JsonListBodyFormat();

  /** A real Pod of a 1.37 server, with fields client-java 27 does not know. */
  private static String fixturePod() throws IOException {
    Path dir = KubeApiTestdata.head();
    return Files.readString(dir.resolve("core.v1.Pod.json"));
  }

  private static byte[] page(String rv, String cont, Long remaining, String... items) {
    String meta =
        "\"resourceVersion\":\""
            + rv
            + "\""
            + (cont == null ? "" : ",\"continue\":\"" + cont + "\"")
            + (remaining == null ? "" : ",\"remainingItemCount\":" + remaining);
    return ("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
            + meta
            + "},\"items\":["
            + String.join(",", items)
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheListMetadata() throws IOException {
    byte[] p = page("123", "tok", 5L, "{\"metadata\":{\"resourceVersion\":\"999\"}}");

    assertThat(format.continueToken(p)).isEqualTo("tok");
    assertThat(format.resourceVersion(p)).isEqualTo("123");
    assertThat(format.continueToken(page("1", null, null))).isNull();
  }

  @Test
  void mergeKeepsEveryItemByteForByteInOrderAndClearsPagingMetadata() throws IOException {
    String pod = fixturePod();
    byte[] merged =
        format.merge(
            List.of(
                page("7", "c1", 2L, pod, "{\"metadata\":{\"name\":\"b\"}}"),
                page("7", "c2", 1L, "{\"metadata\":{\"name\":\"c\"},\"x\":\"<&>\"}"),
                page("7", null, null, pod)));

    JsonObject list =
        JsonParser.parseString(new String(merged, StandardCharsets.UTF_8)).getAsJsonObject();
    JsonArray items = list.getAsJsonArray("items");
    assertThat(items).hasSize(4);
    assertThat(items.get(0)).isEqualTo(JsonParser.parseString(pod));
    assertThat(items.get(3)).isEqualTo(JsonParser.parseString(pod));
    assertThat(items.get(2).getAsJsonObject().get("x").getAsString()).isEqualTo("<&>");
    assertThat(list.getAsJsonObject("metadata").keySet()).containsExactly("resourceVersion");
    assertThat(list.keySet()).containsExactly("kind", "apiVersion", "metadata", "items");
    assertThat(new String(merged, StandardCharsets.UTF_8)).contains("\"<&>\"");
  }

  /**
   * A merge streams: each page is released once its items are copied, and no tree of every item is
   * built, so about one list's bytes are held (the pages not yet copied and the merged list), never
   * more than plain client-java holds for its single unpaged answer (its bytes and a String).
   */
  @Test
  void mergeStreamsAndReleasesEachPageOnceCopied() throws IOException {
    String pod = fixturePod();
    String[] perPage = new String[20];
    java.util.Arrays.fill(perPage, pod);
    List<byte[]> held =
        new java.util.ArrayList<>(
            List.of(
                page("7", "c1", 40L, perPage),
                page("7", "c2", 20L, perPage),
                page("7", null, null, perPage)));
    long listBytes = held.stream().mapToLong(p -> p.length).sum();

    okhttp3.ResponseBody merged = format.mergedBody(held, null);

    assertThat(held).containsOnlyNulls();
    assertThat(merged.contentLength()).isBetween(listBytes / 2, listBytes);
    JsonObject list = JsonParser.parseString(merged.string()).getAsJsonObject();
    assertThat(list.getAsJsonArray("items"))
        .hasSize(60)
        .allMatch(JsonParser.parseString(pod)::equals);
    assertThat(list.getAsJsonObject("metadata").keySet()).containsExactly("resourceVersion");
  }

  @Test
  void malformedBodiesAreClearIoErrors() {
    assertThatThrownBy(
            () -> format.continueToken("{\"metadata\":{\"conti".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("malformed list page");
    assertThatThrownBy(
            () ->
                format.continueToken(
                    "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> format.continueToken(new byte[0])).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> format.merge(List.of("[1,2]".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IOException.class);
  }

  @Test
  void acceptsJsonContentTypesOnly() {
    assertThat(format.accepts(MediaType.get("application/json; charset=utf-8"))).isTrue();
    assertThat(format.accepts(null)).isTrue();
    assertThat(format.accepts(MediaType.get("application/vnd.kubernetes.protobuf"))).isFalse();
    assertThat(format.accepts(MediaType.get("text/html"))).isFalse();
  }

  private static final String FIRST_PAGE =
      "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\",\"continue\":\"c\"},"
          + "\"items\":[{\"a\":1}]}";

  private static List<byte[]> pages(String... bodies) {
    return new java.util.ArrayList<>(
        java.util.Arrays.stream(bodies).map(b -> b.getBytes(StandardCharsets.UTF_8)).toList());
  }

  @Test
  void aPageWithDataAfterItsListIsRefusedNotMerged() {
    String second =
        "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{\"a\":2}]}"
            + " {\"items\":[{\"a\":3}]}";
    assertThatThrownBy(() -> format.mergedBody(pages(FIRST_PAGE, second), null).close())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("malformed list page");
  }

  @Test
  void aPageThatIsNotAListIsRefusedNeverMergedAsNoItems() {
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":410}";
    assertThatThrownBy(() -> format.mergedBody(pages(FIRST_PAGE, status), null).close())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("page 2 is not a list");
    assertThatThrownBy(() -> format.mergedBody(pages(status, FIRST_PAGE), null).close())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("page 1 is not a list");
  }

  @Test
  void anEmptyPageWrittenAsGoWritesItMerges() throws IOException {
    String empty = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":null}";
    try (var body = format.mergedBody(pages(FIRST_PAGE, empty), null)) {
      JsonObject merged = JsonParser.parseString(body.string()).getAsJsonObject();
      assertThat(merged.getAsJsonArray("items")).hasSize(1);
      assertThat(merged.getAsJsonObject("metadata").has("continue")).isFalse();
    }
  }
}
