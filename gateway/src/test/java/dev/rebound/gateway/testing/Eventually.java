package dev.rebound.gateway.testing;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling on a Vert.x timer (no sleeping), failing with a message after a deadline. */
public final class Eventually {
  private Eventually() {}

  /** A condition that throws counts as not met yet; the deadline fails with the last thing it threw as the cause. */
  public static void await(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    Throwable[] lastThrown = {null};
    vertx.setPeriodic(10, id -> {
      boolean met;
      try {
        met = condition.getAsBoolean();
      } catch (RuntimeException | AssertionError e) {
        // thrown out of the timer it would be logged and the poll go on forever, past the deadline
        lastThrown[0] = e;
        met = false;
      }
      if (met) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail(new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what, lastThrown[0]));
      }
    });
    done.future().await();
  }
}
