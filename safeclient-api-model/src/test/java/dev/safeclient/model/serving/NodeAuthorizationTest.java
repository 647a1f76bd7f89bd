package dev.safeclient.model.serving;

import static dev.safeclient.model.serving.NodeAuthorization.Decision.ALLOW;
import static dev.safeclient.model.serving.NodeAuthorization.Decision.NO_OPINION;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** nodeAuthorizer.authorizePod per version: the selector rule from 1.32. */
class NodeAuthorizationTest {
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void aKubeletListsAndWatchesOnlyItsOwnNodesPodsFrom132(int minor) {
    ServerVersion v = ServerVersion.ofMinor(minor);
    assertThat(NodeAuthorization.nodeOf("system:node:n1")).isEqualTo("n1");
    assertThat(NodeAuthorization.nodeOf("alice")).isNull();
    for (String verb : new String[] {"list", "watch"}) {
      assertThat(NodeAuthorization.authorizePod(v, "n1", verb, null, false))
          .isEqualTo(minor >= 32 ? NO_OPINION : ALLOW);
      assertThat(NodeAuthorization.authorizePod(v, "n1", verb, "n2", false))
          .isEqualTo(minor >= 32 ? NO_OPINION : ALLOW);
      assertThat(NodeAuthorization.authorizePod(v, "n1", verb, "n1", false)).isEqualTo(ALLOW);
    }
    assertThat(NodeAuthorization.authorizePod(v, "n1", "update", null, false))
        .isEqualTo(NO_OPINION);
    assertThat(
            NodeAuthorization.authorizePod(
                v.with(FeatureGate.AUTHORIZE_NODE_WITH_SELECTORS, false),
                "n1",
                "list",
                null,
                false))
        .isEqualTo(ALLOW);
  }
}
