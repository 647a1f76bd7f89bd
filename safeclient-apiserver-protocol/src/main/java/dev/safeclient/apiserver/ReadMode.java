package dev.safeclient.apiserver;

/**
 * Which state a read may be answered from, by its resourceVersion and resourceVersionMatch (the
 * "resourceVersion semantics" of the API concepts): the server acts on this, never on the raw
 * parameters.
 */
public enum ReadMode {
  /** RV unset: the latest state, as fresh as a quorum read of etcd. */
  CONSISTENT,
  /** RV "0": any state the server has; the cache's current one is fine, however old. */
  ANY,
  /** RV N (match NotOlderThan, or unset without limit): a state at N or newer. */
  NOT_OLDER_THAN,
  /**
   * RV N with match Exact, the legacy RV N with a limit, or a continue token: exactly the state at
   * N, or 410 Expired if it is gone. Never the current state instead.
   */
  EXACT
}
