package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Field validation against the simulated release's own Go types: a kube-apiserver decodes a body
 * strictly into its release's structs (k8s.io/apiserver handlers create.go, {@code
 * runtime.NewStrictDecodingError}), so a field only a later release defines is unknown to it.
 * Pod-level {@code spec.resources} came in 1.32: a real 1.30 answers a Strict create with a 400,
 * and a Warn create with a Warning and the field dropped; 1.36 takes it ({@code
 * ReleaseSchemaOnRealServerTest} sends the same requests to 1.30.14 and 1.36.3).
 */
class ReleaseSchemaTest {
  static final String POD =
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"NAME\"},\"spec\":{"
          + "\"resources\":{\"limits\":{\"cpu\":\"1\"}},"
          + "\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}";

  private static Wire.Reply create(KubeSim sim, String query, String name) throws Exception {
    Wire wire = new Wire(sim);
    wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
    return wire.post("/api/v1/namespaces/ns1/pods" + query, POD.replace("NAME", name));
  }

  @Test
  void aKubeSim130RefusesUnderStrictAFieldOnlyLaterReleasesDefine() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      Wire.Reply r = create(sim, "?fieldValidation=Strict", "s");
      assertThat(r.code).isEqualTo(400);
      assertThat(r.json().get("message").getAsString())
          .isEqualTo(
              "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
                  + "unknown field \"spec.resources\"");
    }
  }

  @Test
  void aKubeSim130WarnsOfAFieldOnlyLaterReleasesDefineAndDropsIt() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      Wire.Reply r = create(sim, "", "w");
      assertThat(r.code).isEqualTo(201);
      assertThat(r.headers.values("Warning"))
          .containsExactly("299 - \"unknown field \\\"spec.resources\\\"\"");
      assertThat(r.json().getAsJsonObject("spec").has("resources")).isFalse();
    }
  }

  @Test
  void aKubeSim136TakesTheSameField() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.36").build()) {
      Wire.Reply r = create(sim, "?fieldValidation=Strict", "s");
      assertThat(r.code).isEqualTo(201);
      assertThat(r.headers.values("Warning")).isEmpty();
      assertThat(r.json().getAsJsonObject("spec").getAsJsonObject("resources").toString())
          .isEqualTo("{\"limits\":{\"cpu\":\"1\"}}");
    }
  }

  @Test
  void aPatchOnAKubeSim130IsCheckedAgainst130Too() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      Wire wire = new Wire(sim);
      create(sim, "", "p");
      Wire.Reply r =
          wire.patch(
              "/api/v1/namespaces/ns1/pods/p?fieldValidation=Strict",
              "application/merge-patch+json",
              "{\"spec\":{\"hostnameOverride\":\"h\"}}");
      assertThat(r.code).isEqualTo(422);
      assertThat(r.json().get("message").getAsString())
          .endsWith("strict decoding error: unknown field \"spec.hostnameOverride\"");
    }
  }
}
