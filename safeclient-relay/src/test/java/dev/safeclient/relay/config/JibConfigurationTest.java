package dev.safeclient.relay.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The image Jib builds: its base image cannot be pulled here, so the configuration in the module's
 * pom is what is checked, against the code and the manifests. Jib is never bound to the lifecycle:
 * {@code mvn verify} must not need a registry.
 */
class JibConfigurationTest {
  static Element pom;
  static Element jib;

  @BeforeAll
  static void read() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = f.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    pom = doc.getDocumentElement();
    for (Element p : children(child(child(pom, "build"), "plugins"), "plugin")) {
      if (text(p, "artifactId").equals("jib-maven-plugin")) {
        assertThat(text(p, "groupId")).isEqualTo("com.google.cloud.tools");
        jib = p;
      }
    }
    assertThat(jib).as("jib-maven-plugin in build/plugins").isNotNull();
    DeployManifestsTest.read();
  }

  @Test
  void jibRunsOnlyWithItsProfile() {
    assertThat(children(jib, "executions")).isEmpty();
    assertThat(text(jib, "version")).as("a pinned plugin version").matches("\\d+\\.\\d+\\.\\d+");
    List<Element> profiles = children(child(pom, "profiles"), "profile");
    assertThat(profiles).extracting(p -> text(p, "id")).containsExactly("jib");
    Element profile = profiles.get(0);
    assertThat(children(profile, "activation")).as("never active by default").isEmpty();
    Element plugin = child(child(child(profile, "build"), "plugins"), "plugin");
    assertThat(text(plugin, "artifactId")).isEqualTo("jib-maven-plugin");
    Element execution = child(child(plugin, "executions"), "execution");
    assertThat(text(execution, "phase")).isEqualTo("package");
    assertThat(texts(child(execution, "goals"), "goal")).containsExactly("build");
  }

  @Test
  void theImageRunsRelayMainAsNonRootOnAJava17Jre() {
    Element container = child(child(jib, "configuration"), "container");
    assertThat(resolve(text(container, "mainClass"))).isEqualTo(RelayMain.class.getName());
    String user = text(container, "user");
    assertThat(user).matches("\\d+:\\d+").doesNotStartWith("0:");
    assertThat(user)
        .isEqualTo("65532:65532"); // distroless's nonroot, as the Deployment's runAsUser
    assertThat(DeployManifestsTest.map(DeployManifestsTest.podSpec, "securityContext"))
        .containsEntry("runAsUser", 65532);
    String from = text(child(child(jib, "configuration"), "from"), "image");
    assertThat(from).startsWith("gcr.io/distroless/java17-").endsWith(":nonroot");
    List<String> flags = texts(child(container, "jvmFlags"), "jvmFlag");
    assertThat(flags).contains("-XX:MaxRAMPercentage=75");
    assertThat(flags).noneMatch(x -> x.startsWith("-Xmx"));
  }

  @Test
  void theImageListensAndReadsItsConfigurationWhereTheDeploymentSays() {
    Element container = child(child(jib, "configuration"), "container");
    assertThat(texts(child(container, "ports"), "port"))
        .containsExactly(String.valueOf(DeployManifestsTest.config.port()));
    assertThat(DeployManifestsTest.config.port()).isEqualTo(RelayConfig.DEFAULT_PORT);
    assertThat(texts(child(container, "args"), "arg"))
        .isEqualTo(DeployManifestsTest.list(DeployManifestsTest.container.get("args")));
  }

  @Test
  void theRunnableJarIsAttachedBesideTheThinLibrary() {
    Element shade = null;
    for (Element p : children(child(child(pom, "build"), "plugins"), "plugin")) {
      if (text(p, "artifactId").equals("maven-shade-plugin")) {
        shade = p;
      }
    }
    assertThat(shade).isNotNull();
    Element conf = child(child(child(shade, "executions"), "execution"), "configuration");
    assertThat(text(conf, "shadedArtifactAttached")).isEqualTo("true");
    assertThat(text(conf, "shadedClassifierName")).isEqualTo("all");
    Element manifest = children(child(conf, "transformers"), "transformer").get(0);
    assertThat(resolve(text(manifest, "mainClass"))).isEqualTo(RelayMain.class.getName());
  }

  private static String resolve(String value) {
    if (value.startsWith("${") && value.endsWith("}")) {
      return text(child(pom, "properties"), value.substring(2, value.length() - 1));
    }
    return value;
  }

  private static Element child(Element e, String name) {
    List<Element> c = children(e, name);
    assertThat(c).as(e.getTagName() + "/" + name).hasSize(1);
    return c.get(0);
  }

  private static List<Element> children(Element e, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = e.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element c && c.getTagName().equals(name)) {
        out.add(c);
      }
    }
    return out;
  }

  private static String text(Element e, String name) {
    return child(e, name).getTextContent().trim();
  }

  private static List<String> texts(Element e, String name) {
    return children(e, name).stream().map(c -> c.getTextContent().trim()).toList();
  }
}
