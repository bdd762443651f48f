package dev.rebound.gateway.testing;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling on a Vert.x timer (no sleeping), failing with a message after a deadline. */
public final class Eventually {
  private Eventually() {}

  public static void await(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail(new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what));
      }
    });
    done.future().await();
  }
}
