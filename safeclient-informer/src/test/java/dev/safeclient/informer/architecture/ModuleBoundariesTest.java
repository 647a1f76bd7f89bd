package dev.safeclient.informer.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries the informer can see: starter → informer → core → api-model, one way, and
 * no package cycle inside the informer.
 */
class ModuleBoundariesTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.safeclient.informer", "dev.safeclient.core", "dev.safeclient.model");

  /** One slice per module package (informer, core, model, spring): no cycle among them. */
  @Test
  void noCycleAmongTheModules() {
    slices().matching("dev.safeclient.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void theInformerNeverReachesUpIntoTheStarter() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.informer..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.spring..")
        .check(CLASSES);
  }

  @Test
  void coreNeverReachesUpIntoTheInformer() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.safeclient.informer..", "dev.safeclient.spring..")
        .check(CLASSES);
  }

  @Test
  void theApiModelIsNeutral() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.safeclient.core..", "dev.safeclient.informer..", "dev.safeclient.spring..")
        .check(CLASSES);
  }

  /** Of core's SafeClient internals, the informer reads only through the one handle. */
  @Test
  void theInformerReachesAClientsPartsOnlyThroughTheHandle() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.informer..")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.safeclient.core.SafeApiClient")
        .check(CLASSES);
  }
}
