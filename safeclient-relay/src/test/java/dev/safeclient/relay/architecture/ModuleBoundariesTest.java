package dev.safeclient.relay.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * What the relay may build on: informer's and core's public API, the protocol module and the api
 * model; never their internals, nor KubeSim, nor the starter. Its own internals never reach back
 * into its public API.
 */
class ModuleBoundariesTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.safeclient.relay");

  @Test
  void theRelayUsesOnlyThePublicApiOfCoreAndInformer() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.relay..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.safeclient.core.internal..",
            "dev.safeclient.informer.internal..",
            "dev.safeclient.apiserver.internal..",
            "dev.safeclient.testing..",
            "dev.safeclient.spring..")
        .check(CLASSES);
  }

  @Test
  void noCycleBetweenTheApiAndItsInternals() {
    slices().matching("dev.safeclient.relay.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void internalsNeverReachBackIntoThePublicApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.relay.internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.relay")
        .check(CLASSES);
  }
}
