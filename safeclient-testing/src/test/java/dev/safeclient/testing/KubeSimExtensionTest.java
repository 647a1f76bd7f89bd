package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@KubeSimTest(serverVersion = "1.31", apiservers = 2)
class KubeSimExtensionTest {
  static KubeSim shared;
  KubeSim field;

  @Test
  void injectsOneSimPerClassIntoParametersAndFields(KubeSim sim) throws Exception {
    assertThat(sim).isSameAs(shared).isSameAs(field);
    assertThat(sim.serverVersion()).isEqualTo("1.31");
    assertThat(sim.apiserverCount()).isEqualTo(2);
    assertThat(new Wire(sim).get("/version").json().get("minor").getAsString()).isEqualTo("31");
  }

  @Test
  void theSameSimInTheNextTest(KubeSim sim) {
    assertThat(sim).isSameAs(shared);
  }
}
