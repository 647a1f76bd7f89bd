package dev.safeclient.examples;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;

/**
 * The node agent as the December 2024 DaemonSet was written: every node lists every pod in the
 * cluster, resourceVersion unset (a consistent read), on start and every minute.
 *
 * <p>It calls the generated {@link CoreV1Api} and decodes the answer into {@code V1Pod}s, as such
 * an agent does: what the safe client learns from list answers (which resources change, and how
 * often) comes from the decoded list, so an agent that skipped decoding would rehearse a client
 * that never learns.
 */
final class NaiveNodeAgent {
  private final CoreV1Api core;

  NaiveNodeAgent(ApiClient client) {
    this.core = new CoreV1Api(client);
  }

  /** One pass: every pod in the cluster. Returns how many pods the answer held. */
  int listAllPods() throws ApiException {
    V1PodList pods = core.listPodForAllNamespaces().execute();
    return pods.getItems().size();
  }
}
