package dev.safeclient.apiserver.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The protocol module is neutral: KubeSim and the relay both build on it, so it reaches into
 * neither, nor into the client side (core, informer, starter, client-java).
 */
class ModuleBoundariesTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.safeclient.apiserver");

  @Test
  void theProtocolDependsOnNoClientOrServerModule() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.apiserver..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.safeclient.core..",
            "dev.safeclient.informer..",
            "dev.safeclient.spring..",
            "dev.safeclient.testing..",
            "dev.safeclient.relay..",
            "io.kubernetes.client..",
            "okhttp3..")
        .check(CLASSES);
  }

  @Test
  void noCycleBetweenTheApiAndItsInternals() {
    slices().matching("dev.safeclient.apiserver.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void internalsNeverReachBackIntoThePublicApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.safeclient.apiserver.internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.safeclient.apiserver")
        .check(CLASSES);
  }
}
