package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A query pair with a bad escape is skipped and the rest of the query applies, as Go's {@code
 * url.ParseQuery} under {@code req.URL.Query()} does (PercentEncodingOnRealServerTest compares it
 * with a real server); KubeSim answered 500 for Jetty's refusal of the whole query.
 */
class QueryEscapesTest {
  static final ResourceType CONFIGMAPS =
      ResourceType.namespaced("", "v1", "configmaps", "ConfigMap");

  @Test
  void aBadEscapeSkipsItsPairOnly() throws Exception {
    try (KubeSim sim = KubeSim.builder().namespaces("ns").build()) {
      for (String name : new String[] {"c-1", "c-2"}) {
        sim.create(
            CONFIGMAPS,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\"ns\"}}");
      }
      // java.net.URL sends the query as written; OkHttp would re-encode the bad escape.
      HttpURLConnection c =
          (HttpURLConnection)
              new URL(sim.url() + "/api/v1/namespaces/ns/configmaps?x=%zz&limit=1")
                  .openConnection();
      c.setRequestProperty("Accept", "application/json");
      assertThat(c.getResponseCode()).isEqualTo(200);
      JsonObject list;
      try (InputStream in = c.getInputStream()) {
        list =
            JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                .getAsJsonObject();
      }
      assertThat(list.getAsJsonArray("items")).hasSize(1);
      assertThat(list.getAsJsonObject("metadata").get("continue").getAsString()).isNotEmpty();
    }
  }
}
