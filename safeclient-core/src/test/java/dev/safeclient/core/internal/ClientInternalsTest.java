package dev.safeclient.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.Test;

class ClientInternalsTest {
  @Test
  void aGrantFromAnyoneButSafeClientIsRefusedAndSafeClientStillWorks() {
    assertThatThrownBy(() -> ClientInternals.grantAccess(client -> null))
        .isInstanceOf(IllegalCallerException.class);

    ApiClient base = new ApiClient();
    base.setBasePath("http://127.0.0.1:1");
    try (SafeClient client = SafeClient.builder(base).userAgent("t/1").build()) {
      assertThat(ClientInternals.of(client).libraryApiClient()).isNotNull();
    }
  }
}
