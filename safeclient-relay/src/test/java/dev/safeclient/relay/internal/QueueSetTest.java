package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduling rules of the relay's fair queuing, on the virtual clock. */
class QueueSetTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final List<String> log = new ArrayList<>();
  private final Map<String, Req> byName = new HashMap<>();

  /** Records what happened to one request, and keeps its seat. */
  private final class Req implements QueueSet.Admission {
    final String name;
    QueueSet.Seat seat;
    boolean rejected;

    Req(String name) {
      this.name = name;
    }

    @Override
    public void granted(QueueSet.Seat s) {
      seat = s;
      log.add(name);
    }

    @Override
    public void rejected() {
      rejected = true;
      log.add(name + " 429");
    }
  }

  private Req admit(QueueSet q, String flow, String name) {
    Req r = new Req(name);
    byName.put(name, r);
    q.admit(flow, r);
    return r;
  }

  @Test
  void aFreedSeatGoesToTheIdentityThatHoldsNoneBeforeTheFloodersQueue() {
    QueueSet q = new QueueSet(2, 10, Duration.ofSeconds(15), clock, Runnable::run);
    Req f1 = admit(q, "flooder", "f1");
    Req f2 = admit(q, "flooder", "f2");
    for (int i = 3; i <= 8; i++) {
      admit(q, "flooder", "f" + i);
    }
    Req other = admit(q, "agent", "a1");
    assertThat(log).containsExactly("f1", "f2");
    assertThat(q.queued()).isEqualTo(7);

    f1.seat.release();
    // One seat's turn: the first seat freed is the other identity's, ahead of six queued.
    assertThat(log).containsExactly("f1", "f2", "a1");
    f2.seat.release();
    other.seat.release();
    assertThat(log).containsExactly("f1", "f2", "a1", "f3", "f4");
    assertThat(other.rejected).isFalse();
  }

  @Test
  void waitingIdentitiesAreServedInTurn() {
    QueueSet q = new QueueSet(1, 10, Duration.ofSeconds(15), clock, Runnable::run);
    admit(q, "a", "a0");
    admit(q, "a", "a1");
    admit(q, "a", "a2");
    admit(q, "b", "b1");
    admit(q, "b", "b2");
    admit(q, "c", "c1");
    for (int i = 0; i < 5; i++) {
      // The one seat is the last granted request's: release it, and see whose turn is next.
      byName.get(log.get(log.size() - 1)).seat.release();
    }
    assertThat(log).containsExactly("a0", "a1", "b1", "c1", "a2", "b2");
    assertThat(q.queued()).isZero();
  }

  @Test
  void aFullQueueRejectsAtOnceAndOnlyThatIdentity() {
    QueueSet q = new QueueSet(1, 2, Duration.ofSeconds(15), clock, Runnable::run);
    admit(q, "flooder", "f1");
    admit(q, "flooder", "f2");
    admit(q, "flooder", "f3");
    Req over = admit(q, "flooder", "f4");
    Req other = admit(q, "agent", "a1");
    assertThat(over.rejected).isTrue();
    assertThat(other.rejected).isFalse();
    assertThat(q.rejected()).isEqualTo(1);
    assertThat(q.queued()).isEqualTo(3);
  }

  @Test
  void aRequestThatWaitedTheQueueWaitLimitIsRejectedAndLeavesItsQueue() {
    QueueSet q = new QueueSet(1, 5, Duration.ofSeconds(15), clock, Runnable::run);
    Req holder = admit(q, "a", "a1");
    Req waiting = admit(q, "b", "b1");
    clock.advance(Duration.ofSeconds(14));
    assertThat(waiting.rejected).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(waiting.rejected).isTrue();
    assertThat(q.queued()).isZero();
    assertThat(q.rejected()).isEqualTo(1);
    holder.seat.release();
    assertThat(waiting.seat).isNull();
    assertThat(q.executing()).isZero();
    assertThat(q.flows()).isZero();
  }

  @Test
  void aRequestDispatchedBeforeItsWaitLimitIsNotRejectedLater() {
    QueueSet q = new QueueSet(1, 5, Duration.ofSeconds(15), clock, Runnable::run);
    Req holder = admit(q, "a", "a1");
    Req waiting = admit(q, "b", "b1");
    holder.seat.release();
    assertThat(waiting.seat).isNotNull();
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofMinutes(1));
    assertThat(waiting.rejected).isFalse();
  }

  @Test
  void aSeatReleasedTwiceFreesOneSeat() {
    QueueSet q = new QueueSet(2, 5, Duration.ofSeconds(15), clock, Runnable::run);
    Req a = admit(q, "a", "a1");
    admit(q, "a", "a2");
    a.seat.release();
    a.seat.release();
    assertThat(q.executing()).isEqualTo(1);
    admit(q, "b", "b1");
    admit(q, "b", "b2");
    assertThat(q.executing()).isEqualTo(2);
    assertThat(q.queued()).isEqualTo(1);
  }

  @Test
  void aPodBoundTokenIsItsOwnFlowAndAnAddressIsNeverAUser() {
    Identity sa = new Identity("system:serviceaccount:agents:agent", "u", List.of(), Map.of());
    Identity pod1 =
        new Identity(sa.user(), "u", List.of(), Map.of(FlowControl.POD_UID, List.of("pod-uid-1")));
    Identity pod2 =
        new Identity(sa.user(), "u", List.of(), Map.of(FlowControl.POD_UID, List.of("pod-uid-2")));
    assertThat(FlowControl.flowOf(pod1)).isNotEqualTo(FlowControl.flowOf(pod2));
    assertThat(FlowControl.flowOf(pod1)).isNotEqualTo(FlowControl.flowOf(sa));
    Identity named = new Identity("10.0.0.1", "", List.of(), Map.of());
    assertThat(FlowControl.flowOf(named)).isNotEqualTo(FlowControl.flowOf("10.0.0.1"));
  }
}
