package dev.safeclient.relay.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.apilisting.ApiListing;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * This module's public API against its checked-in listing, api/public-api.txt. A change that is
 * meant: regenerate with {@code -Dapi.update=true} and record it in CHANGELOG.md.
 */
class PublicApiTest {
  @Test
  void theCompiledApiIsTheCheckedInOne() throws Exception {
    ApiListing.assertMatchesBaseline(Path.of("api/public-api.txt"), "dev.safeclient.relay");
  }

  @Test
  void noPublicSignatureExposesAnInternalType() {
    assertThat(ApiListing.exposingInternals(ApiListing.of("dev.safeclient.relay"))).isEmpty();
  }
}
