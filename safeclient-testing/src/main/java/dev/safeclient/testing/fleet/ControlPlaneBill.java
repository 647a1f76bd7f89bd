package dev.safeclient.testing.fleet;

import dev.safeclient.testing.KubeSimStats;
import java.time.Duration;
import java.util.Objects;

/**
 * What a simulated control plane paid for one fleet of agents ({@link FleetDrill}): during the
 * start (until every agent had synced) and per simulated minute of steady state afterwards.
 *
 * <p>When only a sample of the fleet ran, {@link #extrapolated()} is true and the counts are the
 * sample's measured per-agent cost times {@code nodes / agentsRun}: linear in the number of agents
 * by construction, since every agent sends the same requests. Peak requests per second scale too:
 * such agents start together and poll with one period, so their requests coincide. The 429s and the
 * time to all-synced are what the sample measured: APF admission and queueing are not linear, so
 * they are never scaled.
 */
public final class ControlPlaneBill {
  /** The counts of one phase. */
  public record Phase(
      long requests,
      long objectsReadFromStorage,
      long objectsFromCache,
      long bytes,
      long seats,
      long tooManyRequests,
      int peakRequestsPerSecond) {

    static Phase of(KubeSimStats s) {
      return new Phase(
          s.requests(),
          s.objectsReadFromStorage(),
          s.objectsServedFromCache(),
          s.bytesSent(),
          s.seatsCharged(),
          s.tooManyRequests(),
          s.peakRequestsPerSecond());
    }

    Phase times(double f) {
      return new Phase(
          Math.round(requests * f),
          Math.round(objectsReadFromStorage * f),
          Math.round(objectsFromCache * f),
          Math.round(bytes * f),
          Math.round(seats * f),
          tooManyRequests,
          (int) Math.round(peakRequestsPerSecond * f));
    }
  }

  private final KubeSimStats startStats;
  private final KubeSimStats steadyStats;
  private final int nodes;
  private final int agentsRun;
  private final Phase start;
  private final Phase perMinute;
  private final Duration allSynced;
  private final int agentsSynced;
  private final double steadyMinutes;
  private final boolean extrapolated;
  private final long failedPasses;
  private final long skippedPasses;

  ControlPlaneBill(
      int nodes,
      int agentsRun,
      Phase start,
      Phase perMinute,
      Duration allSynced,
      int agentsSynced,
      double steadyMinutes,
      boolean extrapolated,
      long failedPasses,
      long skippedPasses,
      KubeSimStats startStats,
      KubeSimStats steadyStats) {
    this.startStats = startStats;
    this.steadyStats = steadyStats;
    this.nodes = nodes;
    this.agentsRun = agentsRun;
    this.start = Objects.requireNonNull(start);
    this.perMinute = Objects.requireNonNull(perMinute);
    this.allSynced = allSynced;
    this.agentsSynced = agentsSynced;
    this.steadyMinutes = steadyMinutes;
    this.extrapolated = extrapolated;
    this.failedPasses = failedPasses;
    this.skippedPasses = skippedPasses;
  }

  /**
   * Passes of polling agents skipped because the previous one was still running: the machine (or
   * the server) could not keep up with the period, and the per-minute figures are then too low.
   */
  public long skippedPasses() {
    return skippedPasses;
  }

  /** Passes of polling agents that failed (an error answer or a broken connection). */
  public long failedPasses() {
    return failedPasses;
  }

  /** Nodes in the fleet: one agent each. */
  public int nodes() {
    return nodes;
  }

  /** Agents that ran for real. */
  public int agentsRun() {
    return agentsRun;
  }

  /** Whether the counts were extrapolated from {@link #agentsRun()} agents to {@link #nodes()}. */
  public boolean extrapolated() {
    return extrapolated;
  }

  /** From the first agent's start until the last one synced. */
  public Phase start() {
    return start;
  }

  /** Steady state, per simulated minute. */
  public Phase perMinute() {
    return perMinute;
  }

  /** Wall time from the first agent's start until all agents that ran had synced. */
  public Duration allSynced() {
    return allSynced;
  }

  /** Agents that had synced when the drill stopped waiting; {@link #agentsRun()} if all did. */
  public int agentsSynced() {
    return agentsSynced;
  }

  /** How many simulated minutes the steady state was measured over. */
  public double steadyMinutes() {
    return steadyMinutes;
  }

  /**
   * This bill for the whole fleet: the per-agent cost times {@code nodes / agentsRun}. Returns
   * {@code this} when every agent ran.
   */
  /**
   * KubeSim's full bill of the start phase (until every agent synced), per request form with the
   * seats and seat-seconds of each; not extrapolated.
   */
  public KubeSimStats startStats() {
    return startStats;
  }

  /** KubeSim's full bill of the steady window; not extrapolated. */
  public KubeSimStats steadyStats() {
    return steadyStats;
  }

  public ControlPlaneBill extrapolatedToFleet() {
    if (agentsRun >= nodes) {
      return this;
    }
    double f = (double) nodes / agentsRun;
    return new ControlPlaneBill(
        nodes,
        agentsRun,
        start.times(f),
        perMinute.times(f),
        allSynced,
        agentsSynced,
        steadyMinutes,
        true,
        failedPasses,
        skippedPasses,
        startStats,
        steadyStats);
  }

  @Override
  public String toString() {
    return "ControlPlaneBill{nodes="
        + nodes
        + ", agentsRun="
        + agentsRun
        + (extrapolated ? ", extrapolated" : "")
        + ", start="
        + start
        + ", perMinute="
        + perMinute
        + ", allSynced="
        + allSynced
        + "}";
  }
}
