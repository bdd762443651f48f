package dev.rebound.gateway.background;

import dev.rebound.gateway.config.ResponsesConfig;
import dev.rebound.gateway.config.StoreConfig;
import dev.rebound.store.EmbeddedResponseJobStore;
import dev.rebound.store.RedisResponseJobStore;
import dev.rebound.store.RedisStoreOptions;
import dev.rebound.store.ResponseJobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;

/** The job queue that lives beside the sessions named by {@code store:}: the same directory, or the same Redis. */
public final class ConfiguredJobStore {
  private ConfiguredJobStore() {}

  public static Future<ResponseJobStore> open(Vertx vertx, StoreConfig store, ResponsesConfig.Background config,
      Clock clock) {
    if ("redis".equals(store.type())) {
      RedisStoreOptions options = new RedisStoreOptions(store.redisUrl(), store.redis().type(), store.redis().endpoints(),
          store.redis().masterName(), store.ttl(), RedisStoreOptions.DEFAULT_MAX_EVENTS);
      return Future.succeededFuture(new RedisResponseJobStore(vertx, options, config.queue(), config.keepFinished(), clock));
    }
    return EmbeddedResponseJobStore.open(vertx, Path.of(store.path()), config.keepFinished(), clock).map(s -> s);
  }
}
