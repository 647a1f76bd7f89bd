package dev.safeclient.model.serving;

/**
 * The apiserver feature gates (and version-bound behaviours) that decide where a read is served and
 * what API Priority and Fairness charges for it. Defaults per release are in {@link ServerVersion};
 * k8s.io/apiserver/pkg/features/kube_features.go is the source.
 */
public enum FeatureGate {
  /** Consistent reads (RV unset) from the watch cache once it has caught up: beta on from 1.31. */
  CONSISTENT_LIST_FROM_CACHE,
  /** Exact-RV lists and continuations from retained cache snapshots: beta on from 1.34. */
  LIST_FROM_CACHE_SNAPSHOT,
  /** APF estimates lists by bytes (objects × average size), not object count: beta on 1.34. */
  SIZE_BASED_LIST_COST_ESTIMATE,
  /** Streaming list, {@code sendInitialEvents=true}: beta on in 1.32, off in 1.33, on from 1.34. */
  WATCH_LIST,
  /** A cache that is not ready answers 429 (not wait-then-503): beta on from 1.31. */
  RESILIENT_WATCH_CACHE_INITIALIZATION,
  /** The node authorizer checks a pod list/watch's {@code spec.nodeName} selector: from 1.32. */
  AUTHORIZE_NODE_WITH_SELECTORS,
  /**
   * Not a gate: from 1.35 list_work_estimator.go charges a watch at RV "" or "0" (a legacy watch
   * that sends its initial state) like a list. Modelled as a gate so it can be overridden.
   */
  LEGACY_WATCH_CHARGED_AS_LIST
}
