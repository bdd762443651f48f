package dev.rebound.gateway.sessions;

import dev.rebound.gateway.config.StoreConfig;
import dev.rebound.store.BufferedCheckpointStore;
import dev.rebound.store.BufferedStoreOptions;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.EmbeddedCheckpointStore;
import dev.rebound.store.EmbeddedStoreOptions;
import dev.rebound.store.RedisCheckpointStore;
import dev.rebound.store.RedisStoreOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The checkpoint store named by {@code store:} in config, behind the degraded-mode buffer so proxying never waits on
 * it. Opening never hangs on a Redis that is down: the Redis store connects lazily.
 */
public final class ConfiguredStore {
  private ConfiguredStore() {}

  /** @param registry where each call to the store is timed (rebound_store_duration_seconds) */
  public static Future<BufferedCheckpointStore> open(Vertx vertx, StoreConfig config, Consumer<String> transitions,
      MeterRegistry registry) {
    Future<CheckpointStore> inner = "redis".equals(config.type())
        ? Future.succeededFuture(new RedisCheckpointStore(vertx, new RedisStoreOptions(config.redisUrl(), config.redis().type(),
            config.redis().endpoints(), config.redis().masterName(), config.ttl(), RedisStoreOptions.DEFAULT_MAX_EVENTS)))
        : EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(Path.of(config.path())).withTtl(config.ttl()))
            .map(s -> (CheckpointStore) s);
    return inner.map(s -> new BufferedCheckpointStore(vertx, new TimedCheckpointStore(s, registry),
        BufferedStoreOptions.defaults(), transitions::accept));
  }
}
