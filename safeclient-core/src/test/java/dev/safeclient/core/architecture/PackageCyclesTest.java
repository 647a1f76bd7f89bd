package dev.safeclient.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.auth.DefaultConfig;
import org.junit.jupiter.api.Test;

/** core's package structure: no cycles, and the root package's API kept apart from its assembly. */
class PackageCyclesTest {
  static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.safeclient.core");

  @Test
  void noCycleAmongTheInternalPackages() {
    slices().matching("dev.safeclient.core.internal.(*)..").should().beFreeOfCycles().check(CORE);
  }

  @Test
  void noCycleAmongCoresTopLevelPackages() {
    slices().matching("dev.safeclient.core.(*)..").should().beFreeOfCycles().check(CORE);
  }

  /**
   * The root package holds the API (exceptions, SafetyMode, SafetyWarning, SafeClientConfig) and
   * SafeClient, which assembles the internals. Internals may use the API types, never the assembly:
   * that is what would make a cycle. The one handle the informer reads a client's parts through
   * names SafeClient, on purpose.
   */
  @Test
  void internalsNeverReachBackIntoTheAssembly() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.core.internal..")
        .and()
        .doNotHaveFullyQualifiedName("dev.safeclient.core.internal.ClientInternals")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.safeclient.core.SafeClient")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.safeclient.core.SafeClient$Builder")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.safeclient.core.SafeApiClient")
        .check(CORE);
  }

  /**
   * The API (root, metrics SPI, auth) depends on no internal class, save the three classes that
   * assemble internals: SafeClient (the chain), SafeApiClient (the views' codecs) and DefaultConfig
   * (a facade over the kubeconfig loader).
   */
  @Test
  void theApiTypesDependOnNoInternalClass() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.safeclient.core", "dev.safeclient.core.metrics", "dev.safeclient.core.auth")
        .and()
        .doNotBelongToAnyOf(SafeClient.class, DefaultConfig.class)
        .and()
        .doNotHaveFullyQualifiedName("dev.safeclient.core.SafeApiClient")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.core.internal..")
        .check(CORE);
  }
}
