package dev.safeclient.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.testing.internal.RealApiserver.Identity;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.FileReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real server is set up as the tests rely on: version, identities, bill, compaction. */
@RealApiserverTest
class RealApiserverSetupTest {

  @ParameterizedTest
  @ValueSource(strings = {"v1.34", "v1.30"})
  void reportsItsPinnedReleaseAndAuthorizesEachIdentityAsDocumented(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    assertThat(server.kubernetesVersion()).startsWith(pin + ".");

    CoreV1Api admin = new CoreV1Api(server.apiClient(Identity.ADMIN));
    String ns = "setup-" + System.nanoTime();
    admin.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();

    // The service-account user has RBAC rights only, and they are enough to write.
    CoreV1Api sa = new CoreV1Api(server.apiClient(Identity.SA_USER));
    sa.createNamespacedConfigMap(
            ns, new V1ConfigMap().metadata(new V1ObjectMeta().name("c")).data(Map.of("k", "v")))
        .execute();
    assertThat(server.user(Identity.SA_USER)).startsWith("system:serviceaccount:");

    // The node may not write config maps: Node authorization, no RBAC binding.
    CoreV1Api node = new CoreV1Api(server.apiClient(Identity.NODE));
    assertThatThrownBy(
            () ->
                node.createNamespacedConfigMap(
                        ns, new V1ConfigMap().metadata(new V1ObjectMeta().name("n")))
                    .execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(403));

    // A kubeconfig file works with client-java's own loader.
    Path kubeconfig = server.kubeconfig(Identity.SA_USER);
    try (FileReader r = new FileReader(kubeconfig.toFile())) {
      CoreV1Api fromFile =
          new CoreV1Api(ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(r)).build());
      assertThat(fromFile.readNamespacedConfigMap("c", ns).execute().getData())
          .containsEntry("k", "v");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1.34", "v1.30"})
  void billsAWorkloadListAndCompactsOnRequest(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    CoreV1Api sa = new CoreV1Api(server.apiClient(Identity.SA_USER));

    RealServerBill before = server.bill();
    // resourceVersion unset: a consistent read, which 1.30 sends to etcd.
    sa.listNamespacedConfigMap("default").execute();
    RealServerBill bill = server.bill().minus(before);

    assertThat(bill.dispatched("workload-low")).isGreaterThanOrEqualTo(1);
    assertThat(bill.seats("workload-low")).isGreaterThanOrEqualTo(1);
    assertThat(bill.storageLists("configmaps") + bill.cacheLists("configmaps"))
        .isGreaterThanOrEqualTo(1);

    long revision = server.etcdRevision();
    assertThat(server.compact()).isGreaterThanOrEqualTo(revision);
  }
}
