/**
 * Fleet rehearsals on a {@link dev.safeclient.testing.KubeSim}: a seeded cluster of nodes and pods
 * with a kubelet-like churn ({@link dev.safeclient.testing.fleet.FleetCluster}), one agent per node
 * ({@link dev.safeclient.testing.fleet.FleetDrill}), and what the control plane paid for them
 * ({@link dev.safeclient.testing.fleet.ControlPlaneBill}).
 */
package dev.safeclient.testing.fleet;
