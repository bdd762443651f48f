package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition by polling, paced by a Vert.x timer (no sleeping), failing with a message after a deadline.
 * The condition runs on the waiting (test) thread, not on an event loop: a condition that blocks, or that waits for
 * something the poller's own event loop must do, cannot stall the poll or deadlock it.
 */
public final class Eventually {
  private Eventually() {}

  /** A condition that throws counts as not met yet; the deadline fails with the last thing it threw as the cause. */
  public static void await(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Throwable lastThrown = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) return;
      } catch (RuntimeException | AssertionError e) {
        lastThrown = e;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what, lastThrown);
      }
      vertx.timer(10).await();
    }
  }
}
