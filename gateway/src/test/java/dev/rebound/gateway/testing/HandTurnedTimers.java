package dev.rebound.gateway.testing;

import dev.rebound.gateway.pipeline.Timers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The attempt loop's timers on a hand-turned clock: they fire when a test moves the clock past them. */
public final class HandTurnedTimers implements Timers {
  private record Pending(long id, Instant due, Duration delay, Runnable task, Context context) {}

  private final MutableClock clock;
  private final List<Pending> pending = Collections.synchronizedList(new ArrayList<>());
  private long nextId;

  public HandTurnedTimers(MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized long schedule(Duration delay, Runnable task) {
    long id = ++nextId;
    pending.add(new Pending(id, clock.instant().plus(delay), delay, task, Vertx.currentContext()));
    return id;
  }

  @Override
  public void cancel(long id) {
    pending.removeIf(p -> p.id() == id);
  }

  /** The delays of the timers not yet fired, in the order they were set. */
  public List<Duration> pending() {
    synchronized (pending) {
      return pending.stream().map(Pending::delay).toList();
    }
  }

  /** Moves the clock on and runs the timers that are due, each on the context that set it. */
  public void advance(Duration d) {
    clock.advance(d);
    List<Pending> due;
    synchronized (pending) {
      due = pending.stream().filter(p -> !p.due().isAfter(clock.instant())).toList();
      pending.removeAll(due);
    }
    for (Pending p : due) p.context().runOnContext(v -> p.task().run());
  }
}
