package dev.safeclient.core.internal.budget;

import dev.safeclient.core.internal.request.KubeRequest;
import java.util.OptionalLong;

/**
 * The APF seats one request will be charged, estimated before it is sent: one request as it is, a
 * single page of a paged list included. The list-cost budget asks nothing else, so that the
 * estimate can follow the server's own per-version rules without the budget changing.
 */
@FunctionalInterface
public interface ListSeatEstimate {
  /**
   * @param request a request for which {@link ListCostEstimate#applies} holds
   * @param stored the objects stored for its resource; empty when unknown
   * @return seats, at least 1
   */
  int seats(KubeRequest request, OptionalLong stored);

  /** From the stored count, as list_work_estimator.go does: {@link ListCostEstimate#seats}. */
  ListSeatEstimate STORED_COUNT = ListCostEstimate::seats;
}
