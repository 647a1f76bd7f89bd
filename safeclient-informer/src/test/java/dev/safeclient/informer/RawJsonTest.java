package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The raw objects' bytes: cut out exactly, the two forms of one object, bad input. */
class RawJsonTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(RawObject o) {
    return new String(o.copyBytes(), StandardCharsets.UTF_8);
  }

  /** Every order of kind, apiVersion, metadata and data: the cut equals Gson's own removal. */
  @Test
  void withoutTypeMetaCutsBothMembersWhereverTheyStand() throws Exception {
    String[] members = {
      "\"kind\":\"ConfigMap\"",
      "\"apiVersion\":\"v1\"",
      "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"7\","
          + "\"annotations\":{\"kind\":\"x\"}}",
      "\"data\":{\"kind\":\"not the type\",\"k\":[1,2.50,true,null]}"
    };
    List<List<String>> orders = new ArrayList<>();
    permute(new ArrayList<>(List.of(members)), 0, orders);
    assertThat(orders).hasSize(24);
    for (List<String> order : orders) {
      String json = "{" + String.join(",", order) + "}";
      RawObject o = RawObject.ofJson(utf8(json));
      assertThat(text(o)).isEqualTo(json);
      assertThat(o.kind()).isEqualTo("ConfigMap");
      assertThat(o.apiVersion()).isEqualTo("v1");
      JsonObject expected = JsonParser.parseString(json).getAsJsonObject();
      expected.remove("kind");
      expected.remove("apiVersion");
      RawObject item = o.withoutTypeMeta();
      assertThat(text(item)).as(json).isEqualTo(expected.toString());
      assertThat(item.hasTypeMeta()).isFalse();
      assertThat(item.key()).isEqualTo("ns/a");
      assertThat(item.resourceVersion()).isEqualTo("7");
    }
  }

  private static void permute(List<String> a, int k, List<List<String>> out) {
    if (k == a.size()) {
      out.add(List.copyOf(a));
      return;
    }
    for (int i = k; i < a.size(); i++) {
      java.util.Collections.swap(a, k, i);
      permute(a, k + 1, out);
      java.util.Collections.swap(a, k, i);
    }
  }

  @Test
  void withTypeMetaWritesItFirstKindFirstAsGoDoes() throws Exception {
    RawObject item = RawObject.ofJson(utf8("{\"metadata\":{\"name\":\"n\"},\"spec\":{}}"));
    assertThat(text(item.withTypeMeta("Node", "v1")))
        .isEqualTo(
            "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"},\"spec\":{}}");
    assertThat(item.withTypeMeta("Node", "v1").withoutTypeMeta()).isEqualTo(item);
    assertThat(text(RawObject.ofJson(utf8("{}")).withTypeMeta("Node", "v1")))
        .isEqualTo("{\"kind\":\"Node\",\"apiVersion\":\"v1\"}");
    RawObject typed = item.withTypeMeta("Node", "v1");
    assertThat(typed.withTypeMeta("Node", "v1")).isSameAs(typed);
    assertThatThrownBy(() -> typed.withTypeMeta("Pod", "v1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> item.withTypeMeta("Po\"d", "v1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBytesAreNeverHandedOutMutable() throws Exception {
    byte[] source = utf8("  {\"metadata\":{\"name\":\"a\",\"uid\":\"u\"}}\n");
    RawObject o = RawObject.ofJson(source);
    source[3] = 'X';
    byte[] copy = o.copyBytes();
    copy[0] = 'X';
    assertThat(text(o)).isEqualTo("{\"metadata\":{\"name\":\"a\",\"uid\":\"u\"}}");
    assertThat(o.asReadOnlyBuffer().isReadOnly()).isTrue();
    assertThatThrownBy(() -> o.asReadOnlyBuffer().put((byte) 1))
        .isInstanceOf(ReadOnlyBufferException.class);
    assertThat(o.uid()).isEqualTo("u");
    assertThat(o.namespace()).isEmpty();
    assertThat(o.key()).isEqualTo("a");
    assertThat(o.toString()).doesNotContain("metadata");
  }

  /** The body trickles in a few bytes at a time: items straddle every read boundary. */
  @Test
  void aListReadAsItStreamsKeepsEachItemsBytes() throws Exception {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      items.add(
          "{\"metadata\":{\"name\":\"p"
              + i
              + "\",\"namespace\":\"ns\",\"labels\":{\"n\":\""
              + "é".repeat(i % 7)
              + "\"},\"resourceVersion\":\""
              + (i + 1)
              + "\"},\"spec\":{\"x\":\""
              + "y".repeat(i % 300)
              + "\"}}");
    }
    String body =
        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"5000\","
            + "\"continue\":\"tok\",\"remainingItemCount\":12},\"items\":[\n"
            + String.join(",\n ", items)
            + "]}\n";
    RawList list = RawList.read(new Trickle(new ByteArrayInputStream(utf8(body))));
    assertThat(list.items()).hasSize(items.size());
    for (int i = 0; i < items.size(); i++) {
      assertThat(text(list.items().get(i))).isEqualTo(items.get(i));
    }
    assertThat(list.items().get(13).labels()).containsEntry("n", "éééééé");
    assertThat(list.resourceVersion()).isEqualTo("5000");
    assertThat(list.continueToken()).isEqualTo("tok");
    assertThat(list.remainingItemCount()).hasValue(12);
    assertThat(list.kind()).isEqualTo("PodList");
  }

  /**
   * A custom resource's schemaless map may have a key of any length up to the object's size (etcd's
   * 1.5 MB), and nest as deep as Go's encoding/json reads (10,000 levels): the API server stores
   * and serves it, so the feed must read it, not refuse the whole list over one object.
   */
  @Test
  void memberNamesAsLongAsTheApiServerServesAreRead() throws Exception {
    String key = "k".repeat(1_000_000);
    String item =
        "{\"metadata\":{\"name\":\"w\",\"namespace\":\"ns\",\"resourceVersion\":\"7\"},"
            + "\"spec\":{\""
            + key
            + "\":1.5e-300,\"big\":18446744073709551615,\"deep\":"
            + "[".repeat(9_990)
            + "]".repeat(9_990)
            + "}}";
    String body = "{\"kind\":\"WidgetList\",\"items\":[" + item + "]}";
    RawList list = RawList.read(new Trickle(new ByteArrayInputStream(utf8(body))));
    assertThat(list.items()).hasSize(1);
    assertThat(text(list.items().get(0))).isEqualTo(item);
    assertThat(text(RawObject.ofJson(utf8(item)))).isEqualTo(item);
  }

  @Test
  void badListsAreTypedErrorsThatNeverQuoteTheContent() {
    String secret = "{\"metadata\":{\"name\":\"s\"},\"data\":{\"password\":\"aHVudGVyMg==\"";
    for (String body :
        List.of(
            "{\"kind\":\"SecretList\",\"items\":[" + secret + ",hunter2}]}",
            "{\"kind\":\"SecretList\",\"items\":[" + secret,
            "{\"kind\":\"SecretList\",\"items\":[\"aHVudGVyMg==\"]}",
            "[" + secret + "}]",
            "")) {
      assertThatThrownBy(() -> RawList.read(new ByteArrayInputStream(utf8(body))))
          .as(body)
          .isInstanceOf(RawJsonException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("aHVudGVyMg", "hunter2"));
    }
    assertThatThrownBy(() -> RawObject.ofJson(utf8("{\"a\":1} {\"b\":2}")))
        .isInstanceOf(RawJsonException.class);
  }

  /** A stream that answers each read with 1 to 7 bytes. */
  private static final class Trickle extends FilterInputStream {
    private int n;

    Trickle(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 1 + (n++ % 7)));
    }
  }
}
