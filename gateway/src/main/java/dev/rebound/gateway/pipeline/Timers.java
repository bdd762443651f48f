package dev.rebound.gateway.pipeline;

import io.vertx.core.Vertx;
import java.time.Duration;

/** The attempt loop's waits, as a seam: Vert.x timers in the gateway, a hand-turned clock in the loop's tests. */
public interface Timers {
  /** Runs {@code task} on the request's context after {@code delay}; returns an id for {@link #cancel}. */
  long schedule(Duration delay, Runnable task);

  void cancel(long id);

  static Timers of(Vertx vertx) {
    return new Timers() {
      @Override
      public long schedule(Duration delay, Runnable task) {
        // Vert.x timers start at 1 ms
        return vertx.setTimer(Math.max(1, delay.toMillis()), id -> task.run());
      }

      @Override
      public void cancel(long id) {
        vertx.cancelTimer(id);
      }
    };
  }
}
