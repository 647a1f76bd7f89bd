package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.safeclient.core.ApiServerReplies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Any list cut into pages of any size merges back into the unpaged list. */
class JsonListMergeProperties {
  @Property(tries = 200)
  void pagesMergeIntoTheUnpagedList(
      @ForAll @IntRange(min = 0, max = 40) int items,
      @ForAll @IntRange(min = 1, max = 12) int limit)
      throws Exception {
    String[] names = new String[items];
    for (int i = 0; i < items; i++) {
      names[i] = "pod-" + i;
    }
    List<byte[]> pages = new ArrayList<>();
    for (int from = 0; from < Math.max(items, 1); from += limit) {
      int to = Math.min(items, from + limit);
      String cont = to < items ? "c" + to : null;
      pages.add(
          ApiServerReplies.podListJson("77", cont, Arrays.copyOfRange(names, from, to))
              .getBytes(StandardCharsets.UTF_8));
    }

    byte[] merged = new JsonListBodyFormat().merge(pages);

    assertThat(JsonParser.parseString(new String(merged, StandardCharsets.UTF_8)))
        .isEqualTo(JsonParser.parseString(ApiServerReplies.podListJson("77", null, names)));
  }
}
