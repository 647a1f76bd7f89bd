package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.PatchUtils;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same strategic merge and JSON patches sent to a real kube-apiserver 1.34 and to KubeSim: the
 * merged container lists, or the refusal codes, must be equal.
 */
@RealApiserverTest
class PatchOnRealServerTest {
  static final String DEPLOYMENT =
      "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
          + "\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
          + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":["
          + "{\"name\":\"a\",\"image\":\"a:1\"},{\"name\":\"b\",\"image\":\"b:1\"}]}}}}";

  static final List<String[]> PATCHES =
      List.of(
          new String[] {
            V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
            "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
                + "[{\"name\":\"a\"},{\"name\":\"b\"}],"
                + "\"containers\":[{\"image\":\"b:2\",\"name\":\"b\"}]}}}}"
          },
          new String[] {
            V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"c:1\"}]}}}}"
          },
          new String[] {
            V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"delete\"}]}}}}"
          },
          new String[] {
            V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}}}"
          },
          new String[] {
            V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
            "{\"spec\":{\"$retainKeys\":\"replicas\",\"replicas\":2}}"
          },
          new String[] {
            V1Patch.PATCH_FORMAT_JSON_PATCH,
            "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":5}]"
          });

  @Test
  void kubeSimMergesAndRefusesAsKubeApiserver134() throws Exception {
    RealApiserverExtension.requireAvailable("v1.34");
    RealApiserver server = RealApiserver.shared("v1.34");
    List<String> real = run(server.apiClient(Identity.ADMIN), "patch-" + System.nanoTime());
    KubeSim kubeSim = KubeSim.builder().build();
    List<String> sim;
    try {
      sim = run(kubeSim.apiClient(), "ns1");
    } finally {
      kubeSim.close();
    }
    // What the real server answered, pinned so that the comparison is not vacuous.
    assertThat(real)
        .containsExactly(
            "[a=a:1, b=b:2]",
            "[c=c:1, a=a:1, b=b:1]",
            "[b=b:1]",
            "code 500",
            "code 400",
            "code 422");
    assertThat(sim).isEqualTo(real);
  }

  /** For each patch on a fresh Deployment: its containers after the patch, or the error code. */
  private static List<String> run(ApiClient client, String ns) throws ApiException {
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();
    AppsV1Api apps = new AppsV1Api(client);
    List<String> out = new ArrayList<>();
    for (String[] p : PATCHES) {
      V1Deployment d =
          io.kubernetes.client.openapi.JSON.deserialize(DEPLOYMENT, V1Deployment.class);
      apps.createNamespacedDeployment(ns, d).execute();
      try {
        V1Deployment patched =
            PatchUtils.patch(
                V1Deployment.class,
                () -> apps.patchNamespacedDeployment("web", ns, new V1Patch(p[1])).buildCall(null),
                p[0],
                client);
        out.add(
            patched.getSpec().getTemplate().getSpec().getContainers().stream()
                .map(c -> c.getName() + "=" + c.getImage())
                .toList()
                .toString());
      } catch (ApiException e) {
        out.add("code " + e.getCode());
      }
      apps.deleteNamespacedDeployment("web", ns).execute();
    }
    return out;
  }
}
