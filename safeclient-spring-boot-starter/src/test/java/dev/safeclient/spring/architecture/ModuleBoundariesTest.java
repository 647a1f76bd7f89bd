package dev.safeclient.spring.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The starter sits on top: starter → informer → core → api-model, one way. It configures the
 * library through its public API only, never core's internals.
 */
class ModuleBoundariesTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(
              "dev.safeclient.spring",
              "dev.safeclient.informer",
              "dev.safeclient.core",
              "dev.safeclient.model");

  /** One slice per module package (informer, core, model, spring): no cycle among them. */
  @Test
  void noCycleAmongTheModules() {
    slices().matching("dev.safeclient.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void nothingBelowReachesUpIntoTheStarter() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.safeclient.informer..", "dev.safeclient.core..", "dev.safeclient.model..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.spring..")
        .check(CLASSES);
  }

  @Test
  void theStarterUsesCoresPublicApiOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.spring..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.core.internal..")
        .check(CLASSES);
  }
}
