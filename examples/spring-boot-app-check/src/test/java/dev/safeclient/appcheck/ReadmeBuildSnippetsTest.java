package dev.safeclient.appcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * The README's build snippets are what the reactor publishes: the BOM import, every module's
 * coordinates (Maven and Gradle), the versions a Spring Boot app must pin, and the node agent's
 * YAML. Read from the files in the checkout, so nothing needs {@code mvn install}.
 */
class ReadmeBuildSnippetsTest {
  private static final String GROUP = "dev.safeclient";
  private static String readme;
  private static Element rootPom;
  private static Element bomPom;

  @BeforeAll
  static void read() throws Exception {
    Path root = ResolvedVersionsTest.root();
    readme = Files.readString(root.resolve("README.md"));
    rootPom = xml(Files.readString(root.resolve("pom.xml")));
    bomPom = xml(Files.readString(root.resolve("safeclient-bom/pom.xml")));
  }

  // ------------------------------------------------------------------ Maven

  @Test
  void theBomImportIsTheReactorsBom() throws Exception {
    Element snippet =
        xml("<snippet>" + block(section("## Add it to your build"), "xml") + "</snippet>");
    List<Element> imports = new ArrayList<>();
    for (Element d : dependencies(child(snippet, "dependencyManagement"))) {
      imports.add(d);
    }
    assertThat(imports).hasSize(1);
    Element bom = imports.get(0);
    assertThat(text(bom, "groupId")).isEqualTo(text(bomPom, "groupId")).isEqualTo(GROUP);
    assertThat(text(bom, "artifactId")).isEqualTo(text(bomPom, "artifactId"));
    assertThat(text(bom, "version"))
        .as("the BOM's version in the README")
        .isEqualTo(bomVersion())
        .isEqualTo(text(rootPom, "version"));
    assertThat(text(bom, "type")).isEqualTo("pom");
    assertThat(text(bom, "scope")).isEqualTo("import");
  }

  @Test
  void everyModuleIsListedWithTheCoordinatesItIsBuiltAndManagedUnder() throws Exception {
    Element snippet =
        xml("<snippet>" + block(section("## Add it to your build"), "xml") + "</snippet>");
    Set<String> listed = new LinkedHashSet<>();
    for (Element d : dependencies(child(snippet, "dependencies"))) {
      assertThat(text(d, "groupId")).isEqualTo(GROUP);
      assertThat(text(d, "version")).as("versions come from the BOM").isNull();
      listed.add(text(d, "artifactId"));
    }
    assertThat(listed).contains("safeclient-core", "safeclient-spring-boot-starter");
    assertThat(listed).containsExactlyInAnyOrderElementsOf(bomManaged().keySet());
    assertThat(listed).containsExactlyInAnyOrderElementsOf(publishedModules().keySet());
  }

  /** Every artifact the BOM manages is a module of the reactor, at the reactor's version. */
  @Test
  void theBomManagesExactlyThePublishedModules() throws Exception {
    Map<String, String> managed = bomManaged();
    Map<String, String> modules = publishedModules();
    assertThat(modules)
        .containsKeys(
            "safeclient-api-model",
            "safeclient-core",
            "safeclient-informer",
            "safeclient-spring-boot-starter",
            "safeclient-testing");
    assertThat(managed.keySet()).containsExactlyInAnyOrderElementsOf(modules.keySet());
    managed.forEach(
        (artifact, version) ->
            assertThat(version).as(artifact).isEqualTo(text(rootPom, "version")));
  }

  // ------------------------------------------------------------------ Gradle

  @Test
  void theGradleSnippetNamesTheSameBomAndModules() throws Exception {
    String gradle = block(section("## Add it to your build"), "kotlin");
    Matcher platform =
        Pattern.compile("platform\\(\"([^:\"]+):([^:\"]+):([^:\"]+)\"\\)").matcher(gradle);
    assertThat(platform.find()).as("a platform(...) BOM import").isTrue();
    assertThat(platform.group(1)).isEqualTo(GROUP);
    assertThat(platform.group(2)).isEqualTo(text(bomPom, "artifactId"));
    assertThat(platform.group(3)).isEqualTo(text(rootPom, "version"));

    Set<String> listed = new LinkedHashSet<>();
    Matcher dep =
        Pattern.compile("(?m)^\\s*(implementation|testImplementation)\\(\"([^:\"]+):([^:\"]+)\"\\)")
            .matcher(gradle);
    while (dep.find()) {
      assertThat(dep.group(2)).isEqualTo(GROUP);
      listed.add(dep.group(3));
    }
    assertThat(listed).contains("safeclient-core", "safeclient-testing");
    assertThat(listed).containsExactlyInAnyOrderElementsOf(bomManaged().keySet());
  }

  // ------------------------------------------------------------------ Spring Boot

  @Test
  void thePinsAreTheReactorsVersionsAndThisAppUsesThem() throws Exception {
    String spring = section("## Spring Boot");
    Element pins = xml(block(spring, "xml"));
    Map<String, String> stated = new LinkedHashMap<>();
    for (Element e : children(pins)) {
      stated.put(e.getTagName(), e.getTextContent().trim());
    }
    assertThat(stated).containsOnlyKeys("kotlin.version", "caffeine.version", "jetty.version");
    Element app =
        xml(
            Files.readString(
                ResolvedVersionsTest.root().resolve("examples/spring-boot-app-check/pom.xml")));
    stated.forEach(
        (property, version) -> {
          assertThat(version).as(property).isEqualTo(RootPom.property(property));
          assertThat(text(child(app, "properties"), property)).as(property).isEqualTo(version);
          assertThat(spring)
              .as("the table states %s", property)
              .containsPattern("\\| " + Pattern.quote(version) + " \\|");
        });
    // This app imports the BOM as the README says.
    Element bom = dependencies(child(app, "dependencyManagement")).get(0);
    assertThat(text(bom, "artifactId")).isEqualTo("safeclient-bom");
    assertThat(text(bom, "scope")).isEqualTo("import");
    assertThat(text(child(app, "parent"), "artifactId")).isEqualTo("spring-boot-starter-parent");
    assertThat(spring).contains("Spring Boot " + text(child(app, "parent"), "version"));
  }

  @Test
  void theNodeAgentYamlIsTheExamplesOwn() throws Exception {
    String stated = block(section("## Spring Boot"), "yaml");
    String actual =
        Files.readString(
            ResolvedVersionsTest.root().resolve("examples/src/main/resources/application.yaml"));
    Map<String, Object> readmeYaml = new Yaml().load(stated);
    assertThat(readmeYaml).isEqualTo(new Yaml().load(actual));
    assertThat(stated).contains("include: health,info,metrics");
  }

  // ------------------------------------------------------------------ reading

  /** The text of a README section, from its heading to the next heading of the same level. */
  private static String section(String heading) {
    int start = readme.indexOf("\n" + heading + "\n");
    assertThat(start).as("README section %s", heading).isNotNegative();
    int end = readme.indexOf("\n## ", start + heading.length() + 2);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** The first fenced block of a language in a section. */
  private static String block(String section, String language) {
    Matcher m =
        Pattern.compile("(?s)```" + Pattern.quote(language) + "\\n(.*?)```").matcher(section);
    assertThat(m.find()).as("a ```%s block", language).isTrue();
    return m.group(1);
  }

  /** Artifact id to version of what the BOM manages. */
  private static Map<String, String> bomManaged() {
    Map<String, String> managed = new LinkedHashMap<>();
    for (Element d : dependencies(child(bomPom, "dependencyManagement"))) {
      assertThat(text(d, "groupId")).isEqualTo(GROUP);
      String version = text(d, "version");
      managed.put(
          text(d, "artifactId"), "${project.version}".equals(version) ? bomVersion() : version);
    }
    return managed;
  }

  /** The BOM's own version, written or inherited from a parent. */
  private static String bomVersion() {
    String own = text(bomPom, "version");
    return own != null ? own : text(child(bomPom, "parent"), "version");
  }

  /**
   * Artifact id to directory of every reactor module a user depends on: jars of our group, not the
   * examples, the benchmarks or this app.
   */
  private static Map<String, String> publishedModules() throws Exception {
    Map<String, String> modules = new LinkedHashMap<>();
    for (Element m : children(child(rootPom, "modules"))) {
      String dir = m.getTextContent().trim();
      Element pom =
          xml(Files.readString(ResolvedVersionsTest.root().resolve(dir).resolve("pom.xml")));
      String artifact = text(pom, "artifactId");
      String packaging = text(pom, "packaging");
      if (dir.startsWith("examples") || dir.equals("benchmarks") || "pom".equals(packaging)) {
        continue;
      }
      Element parent = child(pom, "parent");
      assertThat(text(pom, "groupId") != null ? text(pom, "groupId") : text(parent, "groupId"))
          .as(dir)
          .isEqualTo(GROUP);
      modules.put(artifact, dir);
    }
    return modules;
  }

  private static Element xml(String text) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
        .getDocumentElement();
  }

  private static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }

  private static Element child(Element parent, String name) {
    for (Element e : children(parent)) {
      if (e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }

  private static List<Element> dependencies(Element holder) {
    assertThat(holder).isNotNull();
    Element deps = child(holder, "dependencies");
    return deps == null ? children(holder) : children(deps);
  }
}
