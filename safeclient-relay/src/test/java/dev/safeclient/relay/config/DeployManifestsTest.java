package dev.safeclient.relay.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.relay.RelayedResource;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The manifests in deploy/ say what a platform team applies: each is read as YAML and checked
 * against the invariants the relay depends on, and against deploy/relay.yaml, which RelayMain
 * itself parses here (the example configuration is a valid one).
 */
class DeployManifestsTest {
  static final Path DEPLOY = Path.of("deploy");
  static final String APP = "safeclient-relay";

  static RelayConfig config;
  static List<Map<String, Object>> applied;
  static Map<String, Object> deployment;
  static Map<String, Object> podSpec;
  static Map<String, Object> container;

  @BeforeAll
  static void read() throws Exception {
    config = RelayConfig.read(DEPLOY.resolve("relay.yaml"));
    applied = new ArrayList<>();
    for (Object f : list(kustomization().get("resources"))) {
      applied.addAll(documents(DEPLOY.resolve((String) f)));
    }
    deployment = one("Deployment");
    podSpec = map(map(map(deployment, "spec"), "template"), "spec");
    List<Object> containers = list(podSpec.get("containers"));
    assertThat(containers).hasSize(1);
    container = map(containers.get(0));
  }

  @Test
  void everyManifestParsesAndNamesNoNamespace() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files)
        .contains(DEPLOY.resolve("kustomization.yaml"), DEPLOY.resolve("example/agent.yaml"));
    for (Path f : files) {
      for (Map<String, Object> doc : documents(f)) {
        if (f.endsWith("relay.yaml")) {
          continue;
        }
        assertThat(doc).as(f.toString()).containsKeys("apiVersion", "kind");
        if (!f.endsWith("kustomization.yaml")) {
          assertThat(map(doc, "metadata"))
              .as(f + ": namespace-agnostic")
              .doesNotContainKey("namespace");
        }
      }
    }
    // Everything but the example and the configuration itself is applied.
    Set<String> listed = new HashSet<>();
    for (Object r : list(kustomization().get("resources"))) {
      listed.add((String) r);
    }
    try (Stream<Path> s = Files.list(DEPLOY)) {
      assertThat(listed)
          .containsExactlyInAnyOrderElementsOf(
              s.map(p -> p.getFileName().toString())
                  .filter(n -> n.endsWith(".yaml"))
                  .filter(n -> !n.equals("kustomization.yaml") && !n.equals("relay.yaml"))
                  .toList());
    }
    assertThat(applied)
        .extracting(d -> (String) d.get("kind"))
        .containsExactlyInAnyOrder(
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
            "PodDisruptionBudget");
  }

  @Test
  void theConfigMapIsTheExampleConfiguration() throws Exception {
    List<Object> generators = list(kustomization().get("configMapGenerator"));
    assertThat(generators).hasSize(1);
    Map<String, Object> g = map(generators.get(0));
    assertThat(list(g.get("files"))).containsExactly("relay.yaml");
    Map<String, Object> volume = volume("config");
    assertThat(map(volume, "configMap").get("name")).isEqualTo(g.get("name"));
    List<Object> args = list(container.get("args"));
    assertThat(args).hasSize(2).first().isEqualTo("--config");
    assertThat(Path.of((String) args.get(1)))
        .isEqualTo(Path.of(mountPath("config")).resolve("relay.yaml"));
  }

  @Test
  void theDeploymentRunsTwoReplicasOnDistinctNodes() {
    assertThat((Integer) map(deployment, "spec").get("replicas")).isGreaterThanOrEqualTo(2);
    boolean spreadOverNodes =
        list(podSpec.getOrDefault("topologySpreadConstraints", List.of())).stream()
            .map(DeployManifestsTest::map)
            .anyMatch(
                c ->
                    "kubernetes.io/hostname".equals(c.get("topologyKey"))
                        && "DoNotSchedule".equals(c.get("whenUnsatisfiable"))
                        && map(map(c, "labelSelector"), "matchLabels").equals(podLabels()));
    assertThat(spreadOverNodes).as("a topology spread over kubernetes.io/hostname").isTrue();
    assertThat(map(map(deployment, "spec"), "selector").get("matchLabels")).isEqualTo(podLabels());
  }

  @Test
  void readinessIsSyncedAndLivenessIsLivez() {
    assertThat(probe("readinessProbe")).containsEntry("path", "/readyz");
    assertThat(probe("livenessProbe")).containsEntry("path", "/livez");
    for (String p : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertThat(probe(p)).as(p).containsEntry("scheme", "HTTPS");
      assertThat(containerPort(probe(p).get("port"))).as(p).isEqualTo(config.port());
    }
  }

  @Test
  void theContainerIsLockedDown() {
    Map<String, Object> pod = map(podSpec, "securityContext");
    assertThat(pod).containsEntry("runAsNonRoot", true);
    assertThat((Integer) pod.get("runAsUser")).isGreaterThan(0);
    assertThat(map(pod, "seccompProfile")).containsEntry("type", "RuntimeDefault");
    Map<String, Object> c = map(container, "securityContext");
    assertThat(c)
        .containsEntry("runAsNonRoot", true)
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false);
    assertThat(list(map(c, "capabilities").get("drop"))).containsExactly("ALL");
    assertThat(map(c, "capabilities")).doesNotContainKey("add");
    assertThat(map(c, "seccompProfile")).containsEntry("type", "RuntimeDefault");
    Map<String, Object> resources = map(container, "resources");
    assertThat(map(resources, "requests")).containsKeys("cpu", "memory");
    assertThat(map(resources, "limits")).containsKeys("cpu", "memory");
  }

  @Test
  void theTlsSecretIsMountedWhereTheConfigurationReadsIt() {
    assertThat(map(volume("tls"), "secret")).containsKey("secretName");
    Path dir = Path.of(mountPath("tls"));
    assertThat(config.certFile()).isEqualTo(dir.resolve("tls.crt"));
    assertThat(config.keyFile()).isEqualTo(dir.resolve("tls.key"));
  }

  @Test
  void theServiceSendsPort443ToTheRelaysListenPort() {
    Map<String, Object> spec = map(one("Service"), "spec");
    assertThat(map(spec, "selector")).isEqualTo(podLabels());
    List<Object> ports = list(spec.get("ports"));
    assertThat(ports).hasSize(1);
    Map<String, Object> port = map(ports.get(0));
    assertThat(port.get("port")).isEqualTo(443);
    assertThat(containerPort(port.get("targetPort"))).isEqualTo(config.port());
  }

  @Test
  void thePdbLetsOneReplicaGoAtATime() {
    Map<String, Object> spec = map(one("PodDisruptionBudget"), "spec");
    assertThat(spec.get("maxUnavailable")).isEqualTo(1);
    assertThat(map(map(spec, "selector"), "matchLabels")).isEqualTo(podLabels());
  }

  @Test
  void theRelaysRightsAreListAndWatchOfItsResourcesAndAuthDelegation() {
    Map<String, Object> sa = one("ServiceAccount");
    String account = (String) map(sa, "metadata").get("name");
    assertThat(sa.get("automountServiceAccountToken")).isEqualTo(true);
    assertThat(podSpec.get("serviceAccountName")).isEqualTo(account);
    assertThat(podSpec.get("automountServiceAccountToken")).isEqualTo(true);

    Map<String, Object> role = one("ClusterRole");
    String roleName = (String) map(role, "metadata").get("name");
    Set<String> granted = new HashSet<>();
    for (Object o : list(role.get("rules"))) {
      Map<String, Object> rule = map(o);
      assertThat(rule.keySet()).containsExactlyInAnyOrder("apiGroups", "resources", "verbs");
      assertThat(list(rule.get("verbs"))).containsExactlyInAnyOrder("list", "watch");
      for (Object g : list(rule.get("apiGroups"))) {
        for (Object r : list(rule.get("resources"))) {
          assertThat(List.of(g, r)).doesNotContain("*");
          granted.add(g + "/" + r);
        }
      }
    }
    Set<String> relayed = new HashSet<>();
    for (RelayedResource r : config.resources()) {
      relayed.add(r.group() + "/" + r.plural());
    }
    assertThat(granted).isEqualTo(relayed);

    List<Map<String, Object>> bindings = all("ClusterRoleBinding");
    assertThat(bindings)
        .extracting(b -> map(b, "roleRef").get("name"))
        .containsExactlyInAnyOrder(roleName, "system:auth-delegator");
    for (Map<String, Object> b : bindings) {
      assertThat(map(b, "roleRef")).containsEntry("kind", "ClusterRole");
      List<Object> subjects = list(b.get("subjects"));
      assertThat(subjects).hasSize(1);
      assertThat(map(subjects.get(0)))
          .containsEntry("kind", "ServiceAccount")
          .containsEntry("name", account);
    }
    assertThat(applied)
        .extracting(d -> d.get("kind"))
        .doesNotContain("Role", "RoleBinding", "Secret");
  }

  @Test
  void theAgentExamplePresentsATokenForTheRelaysAudience() throws Exception {
    List<Map<String, Object>> docs = documents(DEPLOY.resolve("example/agent.yaml"));
    assertThat(docs).hasSize(1);
    Map<String, Object> spec = map(map(map(docs.get(0), "spec"), "template"), "spec");
    List<Map<String, Object>> tokens = new ArrayList<>();
    for (Object v : list(spec.get("volumes"))) {
      Object projected = map(v).get("projected");
      if (projected != null) {
        for (Object s : list(map(projected).get("sources"))) {
          Object t = map(s).get("serviceAccountToken");
          if (t != null) {
            tokens.add(map(t));
          }
        }
      }
    }
    assertThat(tokens).hasSize(1);
    assertThat(tokens.get(0))
        .containsEntry("audience", config.audience())
        .containsEntry("expirationSeconds", 3600);
  }

  private static Map<String, Object> probe(String name) {
    return map(map(container, name), "httpGet");
  }

  /** A port by number or by the container port's name. */
  private static int containerPort(Object port) {
    for (Object o : list(container.get("ports"))) {
      Map<String, Object> p = map(o);
      if (port.equals(p.get("name")) || port.equals(p.get("containerPort"))) {
        return (Integer) p.get("containerPort");
      }
    }
    throw new AssertionError("no container port " + port);
  }

  private static Map<String, Object> volume(String name) {
    for (Object v : list(podSpec.get("volumes"))) {
      if (name.equals(map(v).get("name"))) {
        return map(v);
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static String mountPath(String volume) {
    for (Object m : list(container.get("volumeMounts"))) {
      if (volume.equals(map(m).get("name"))) {
        return (String) map(m).get("mountPath");
      }
    }
    throw new AssertionError("volume " + volume + " not mounted");
  }

  private static Map<String, Object> podLabels() {
    return map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels");
  }

  private static Map<String, Object> kustomization() throws IOException {
    return documents(DEPLOY.resolve("kustomization.yaml")).get(0);
  }

  private static Map<String, Object> one(String kind) {
    List<Map<String, Object>> found = all(kind);
    assertThat(found).as(kind).hasSize(1);
    assertThat(map(found.get(0), "metadata"))
        .containsEntry("labels", Map.of("app.kubernetes.io/name", APP));
    return found.get(0);
  }

  private static List<Map<String, Object>> all(String kind) {
    return applied.stream().filter(d -> kind.equals(d.get("kind"))).toList();
  }

  static List<Map<String, Object>> documents(Path file) throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Map<String, Object>> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml(new SafeConstructor(options)).loadAll(r)) {
        out.add(map(doc));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  static Map<String, Object> map(Map<String, Object> m, String key) {
    assertThat(m).containsKey(key);
    return map(m.get(key));
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }
}
