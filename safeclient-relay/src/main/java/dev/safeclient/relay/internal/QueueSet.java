package dev.safeclient.relay.internal;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fair queuing of the relay's seats across flows, as one priority level of the apiserver's API
 * Priority and Fairness ({@code fairqueuing/queueset}): a bounded number of requests execute at
 * once, each flow (one identity) waits in its own queue, and a freed seat goes to the waiting flow
 * that executes the fewest requests, round-robin among equals. A flow is "non-empty" while it has
 * requests queued or executing, as the queueset judges it, so a flow that holds many seats gives
 * way to one that holds none. Every request costs one seat (the relay's reads are alike), so the
 * virtual-time bookkeeping that the queueset needs for unequal widths and durations reduces to that
 * choice; there is one queue per flow, so no shuffle sharding.
 *
 * <p>A request is rejected when its flow's queue is full, or when it has waited the queue wait
 * limit, as the queueset rejects on {@code queueLengthLimit} and on its request's wait context.
 */
public final class QueueSet {
  /** What happens to one request: it gets a seat, or it is rejected (429). */
  public interface Admission {
    void granted(Seat seat);

    void rejected();
  }

  /** One executing request's seat; released once, whichever exit path its request takes. */
  public final class Seat {
    private final Flow flow;
    private final AtomicBoolean released = new AtomicBoolean();

    private Seat(Flow flow) {
      this.flow = flow;
    }

    /** Frees the seat for the next request; later calls do nothing. */
    public void release() {
      if (released.compareAndSet(false, true)) {
        finished(flow);
      }
    }
  }

  private static final class Flow {
    final String key;
    final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    int executing;

    Flow(String key) {
      this.key = key;
    }
  }

  private static final class Waiting {
    final Admission admission;
    TimeSource.Timer timer;
    boolean done;

    Waiting(Admission admission) {
      this.admission = admission;
    }
  }

  private record Grant(Waiting waiting, Seat seat, TimeSource.Timer timer) {}

  private final int seats;
  private final int queueLength;
  private final Duration queueWait;
  private final TimeSource clock;
  private final Executor executor;
  private final Map<String, Flow> flows = new HashMap<>();
  // Flows with queued requests, in round-robin order: a flow served goes to the back.
  private final List<Flow> waitingFlows = new ArrayList<>();
  private int executing;
  private int queued;
  private long rejected;

  /**
   * @param seats how many requests execute at once
   * @param queueLength how many requests one flow may have waiting
   * @param queueWait how long a request may wait for its seat
   * @param executor where requests that waited continue, and are rejected
   */
  public QueueSet(
      int seats, int queueLength, Duration queueWait, TimeSource clock, Executor executor) {
    if (seats < 1 || queueLength < 0) {
      throw new IllegalArgumentException("at least one seat, and a queue length not negative");
    }
    this.seats = seats;
    this.queueLength = queueLength;
    this.queueWait = queueWait;
    this.clock = clock;
    this.executor = executor;
  }

  /**
   * Gives a request of {@code flow} a seat: at once (on the calling thread) when one is free, else
   * when its flow's turn comes (on the executor). Rejects it at once when the flow's queue is full,
   * and on the executor when it has waited too long.
   */
  public void admit(String flow, Admission admission) {
    Seat seat = null;
    Waiting waiting = null;
    Flow f;
    synchronized (this) {
      f = flows.computeIfAbsent(flow, Flow::new);
      if (executing < seats) {
        // Nothing waits while a seat is free: every release dispatches.
        seat = seatFor(f);
      } else if (f.queue.size() < queueLength) {
        waiting = new Waiting(admission);
        f.queue.add(waiting);
        queued++;
        if (f.queue.size() == 1) {
          waitingFlows.add(f);
        }
      } else {
        rejected++;
        forgetIfIdle(f);
      }
    }
    if (seat != null) {
      admission.granted(seat);
    } else if (waiting == null) {
      admission.rejected();
    } else {
      Waiting w = waiting;
      // Scheduled outside the lock: the clock may run its tasks holding its own.
      TimeSource.Timer timer = clock.schedule(queueWait, () -> expire(f, w));
      boolean dispatched;
      synchronized (this) {
        dispatched = w.done;
        if (!dispatched) {
          w.timer = timer;
        }
      }
      if (dispatched) {
        timer.cancel();
      }
    }
  }

  /** Seats in use. */
  public synchronized int executing() {
    return executing;
  }

  /** Requests waiting for a seat. */
  public synchronized int queued() {
    return queued;
  }

  /** Requests rejected, for a full queue or a wait too long. */
  public synchronized long rejected() {
    return rejected;
  }

  /** Flows with requests executing or queued; idle flows are forgotten. */
  synchronized int flows() {
    return flows.size();
  }

  private Seat seatFor(Flow f) {
    f.executing++;
    executing++;
    return new Seat(f);
  }

  private void finished(Flow f) {
    List<Grant> grants = new ArrayList<>();
    synchronized (this) {
      f.executing--;
      executing--;
      while (executing < seats && !waitingFlows.isEmpty()) {
        Flow next = fairest();
        Waiting w = next.queue.poll();
        queued--;
        w.done = true;
        waitingFlows.remove(next);
        if (!next.queue.isEmpty()) {
          waitingFlows.add(next);
        }
        grants.add(new Grant(w, seatFor(next), w.timer));
      }
      forgetIfIdle(f);
    }
    for (Grant g : grants) {
      if (g.timer() != null) {
        g.timer().cancel();
      }
      run(() -> g.waiting().admission.granted(g.seat()), g.seat());
    }
  }

  /** The waiting flow that executes the fewest requests; the earliest in turn among equals. */
  private Flow fairest() {
    Flow best = null;
    for (Flow f : waitingFlows) {
      if (best == null || f.executing < best.executing) {
        best = f;
      }
    }
    return best;
  }

  private void expire(Flow f, Waiting w) {
    synchronized (this) {
      if (w.done) {
        return;
      }
      w.done = true;
      f.queue.remove(w);
      queued--;
      if (f.queue.isEmpty()) {
        waitingFlows.remove(f);
      }
      rejected++;
      forgetIfIdle(f);
    }
    run(w.admission::rejected, null);
  }

  private void forgetIfIdle(Flow f) {
    if (f.executing == 0 && f.queue.isEmpty()) {
      flows.remove(f.key);
    }
  }

  private void run(Runnable task, Seat seat) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException stopping) {
      // The server is stopping: nobody continues this request, so its seat is free again.
      if (seat != null) {
        seat.release();
      }
    }
  }

  /** For the tests: the flows waiting, in turn. */
  synchronized List<String> waitingFlows() {
    List<String> out = new ArrayList<>();
    for (Iterator<Flow> i = waitingFlows.iterator(); i.hasNext(); ) {
      out.add(i.next().key);
    }
    return out;
  }
}
