package dev.safeclient.model.apilisting;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A published module's public API as reviewable text, read from the compiled classes with ArchUnit:
 * every public type outside {@code internal} packages, with its public and protected constructors,
 * methods and fields (generic signatures included). Stands in for a japicmp check, which needs a
 * released baseline artifact this project does not have yet.
 *
 * <p>Regenerate a module's listing with {@code -Dapi.update=true} on its API test.
 */
public final class ApiListing {
  private ApiListing() {}

  /** The listing of the main classes under {@code packages}, sorted. */
  public static List<String> of(String... packages) {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(packages);
    Set<String> lines = new TreeSet<>();
    for (JavaClass c : classes) {
      if (!isApi(c)) {
        continue;
      }
      lines.add(typeLine(c));
      for (JavaCodeUnit u : c.getCodeUnits()) {
        if (visible(u.getModifiers())
            && !u.getModifiers().contains(JavaModifier.SYNTHETIC)
            && !u.getModifiers().contains(JavaModifier.BRIDGE)
            && !u.getName().equals("<clinit>")) {
          lines.add(c.getName() + " " + memberLine(u));
        }
      }
      for (JavaField f : c.getFields()) {
        if (visible(f.getModifiers()) && !f.getModifiers().contains(JavaModifier.SYNTHETIC)) {
          lines.add(
              c.getName()
                  + " "
                  + mods(f.getModifiers())
                  + "field "
                  + f.getType().getName()
                  + " "
                  + f.getName());
        }
      }
    }
    return new ArrayList<>(lines);
  }

  /** The lines that name a type from an {@code internal} package: the API must expose none. */
  public static List<String> exposingInternals(List<String> listing) {
    return listing.stream()
        .filter(l -> l.substring(l.indexOf(' ') + 1).matches(".*\\.internal\\..*"))
        .collect(Collectors.toList());
  }

  /**
   * Fails when the compiled API differs from the checked-in listing at {@code file} (relative to
   * the module); with {@code -Dapi.update=true}, writes it instead.
   */
  public static void assertMatchesBaseline(Path file, String... packages) throws IOException {
    List<String> actual = of(packages);
    if (Boolean.getBoolean("api.update")) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file).as("API baseline %s: regenerate it with -Dapi.update=true", file).exists();
    List<String> expected = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(actual)
        .as(
            "the public API differs from %s; if the change is meant, regenerate it with"
                + " -Dapi.update=true and record it in CHANGELOG.md",
            file)
        .containsExactlyElementsOf(expected);
  }

  private static boolean isApi(JavaClass c) {
    if (c.getPackageName().matches("(.*\\.)?internal(\\..*)?")) {
      return false;
    }
    for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
      if (!k.getModifiers().contains(JavaModifier.PUBLIC) || k.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }

  private static boolean visible(Set<JavaModifier> m) {
    return m.contains(JavaModifier.PUBLIC) || m.contains(JavaModifier.PROTECTED);
  }

  private static String typeLine(JavaClass c) {
    StringBuilder b = new StringBuilder(c.getName()).append(" ");
    b.append(mods(c.getModifiers()));
    b.append(
        c.isInterface() ? "interface" : c.isEnum() ? "enum" : c.isRecord() ? "record" : "class");
    c.getSuperclass()
        .filter(s -> !s.getName().equals("java.lang.Object"))
        .ifPresent(s -> b.append(" extends ").append(s.getName()));
    List<String> interfaces =
        c.getInterfaces().stream().map(JavaType::getName).sorted().collect(Collectors.toList());
    if (!interfaces.isEmpty()) {
      b.append(" implements ").append(String.join(", ", interfaces));
    }
    return b.toString();
  }

  private static String memberLine(JavaCodeUnit u) {
    String params =
        u.getParameterTypes().stream().map(JavaType::getName).collect(Collectors.joining(", "));
    String throwsClause =
        u.getThrowsClause().getTypes().stream()
            .map(JavaType::getName)
            .sorted()
            .collect(Collectors.joining(", "));
    String name =
        u.getName().equals("<init>")
            ? "constructor"
            : u.getReturnType().getName() + " " + u.getName();
    return mods(u.getModifiers())
        + name
        + "("
        + params
        + ")"
        + (throwsClause.isEmpty() ? "" : " throws " + throwsClause);
  }

  private static String mods(Set<JavaModifier> m) {
    StringBuilder b = new StringBuilder();
    for (JavaModifier x :
        List.of(
            JavaModifier.PUBLIC,
            JavaModifier.PROTECTED,
            JavaModifier.ABSTRACT,
            JavaModifier.STATIC,
            JavaModifier.FINAL)) {
      if (m.contains(x)) {
        b.append(x.name().toLowerCase(java.util.Locale.ROOT)).append(' ');
      }
    }
    return b.toString();
  }
}
