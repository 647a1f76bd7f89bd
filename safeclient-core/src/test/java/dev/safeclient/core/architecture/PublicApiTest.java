package dev.safeclient.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClientException;
import dev.safeclient.core.WrongKindException;
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
    ApiListing.assertMatchesBaseline(Path.of("api/public-api.txt"), "dev.safeclient.core");
  }

  @Test
  void noPublicSignatureExposesAnInternalType() {
    assertThat(ApiListing.exposingInternals(ApiListing.of("dev.safeclient.core"))).isEmpty();
  }

  /**
   * Every exception safeclient raises on a request is a SafeClientException (an IOException), save
   * WrongKindException, which is client-java's ApiException: an answer the server gave.
   */
  @Test
  void theUserFacingExceptionsShareOneType() {
    classes()
        .that()
        .resideInAPackage("dev.safeclient.core..")
        .and()
        .resideOutsideOfPackage("dev.safeclient.core.internal..")
        .and()
        .areAssignableTo(Exception.class)
        .and()
        .doNotBelongToAnyOf(SafeClientException.class, WrongKindException.class)
        .should()
        .beAssignableTo(SafeClientException.class)
        .check(PackageCyclesTest.CORE);
  }
}
