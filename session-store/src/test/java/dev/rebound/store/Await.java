package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Blocking helpers for the JUnit thread (never an event loop). */
final class Await {

  private Await() {}

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within 15 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The failure of a future that must fail with {@code type}. */
  static <E extends Throwable> E failure(Future<?> future, Class<E> type) {
    try {
      Object result = future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      return fail("expected " + type.getSimpleName() + " but the future succeeded with " + result);
    } catch (ExecutionException e) {
      return assertInstanceOf(type, e.getCause(), () -> "failure was " + e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      throw new AssertionError("future did not complete within 15 s");
    }
  }

  /** Polls {@code condition} until it holds or the deadline passes. */
  static void until(Duration deadline, String what, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) fail("timed out after " + deadline + " waiting for: " + what);
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
