package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The job contract against a real redis-server, each test on a queue of its own; two gateways are two stores. */
class RedisResponseJobStoreTest extends ResponseJobStoreContract {
  private final String queue = "test-" + UUID.randomUUID().toString().substring(0, 8);

  @Override
  protected Future<? extends ResponseJobStore> newStore(Vertx vertx, Clock clock) {
    return Future.succeededFuture(new RedisResponseJobStore(vertx, RedisStoreOptions.of(RedisServerFixture.sharedUrl()),
        queue, Duration.ofDays(1), clock));
  }

  @Test
  void twoStoresOnOneQueueShareTheJobsAndTheirLeases() {
    ResponseJobStore other = open();
    await(store.enqueue(job("resp_shared")));
    assertEquals("gw-a", await(store.claim("gw-a", LEASE)).owner());
    assertNull(await(other.claim("gw-b", LEASE)));
    clock.advance(LEASE);
    assertEquals("gw-b", await(other.claim("gw-b", LEASE)).owner());
    assertEquals("gw-b", await(store.get("acme", "resp_shared")).owner());
  }
}
