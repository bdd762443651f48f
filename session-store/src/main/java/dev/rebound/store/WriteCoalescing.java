package dev.rebound.store;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.impl.PooledRedisConnection;
import io.vertx.redis.client.impl.RedisClusterConnection;
import io.vertx.redis.client.impl.RedisStandaloneConnection;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes the commands a Redis connection is given within one event-loop turn leave in one write.
 *
 * <p>Why: the Vert.x Redis client writes and flushes every command at once, since the store's commands are sent from
 * other connections' reads (a client's request, an upstream's answer). Under load that is one {@code write} syscall
 * per command on the gateway's side, and one {@code read} per command on Redis's, whose reply writes then go one by
 * one too. Netty's {@link FlushConsolidationHandler} defers a flush made outside a read of its own to the end of the
 * event loop's current turn, so the commands of every turn in between share one. Measured on the bench's
 * sessions-redis scenario (2 cores, alternating builds): Redis's CPU per turn 52-60 us against 61-72 us.
 *
 * <p>The client has no option for it, so the handler is put into the connection's channel pipeline through two of the
 * client's private fields ({@code RedisStandaloneConnection.netSocket}, {@code RedisClusterConnection.connections}).
 * Where they are not found (another client version), nothing is installed and every command is flushed on its own, as
 * before: {@code WriteCoalescingTest} fails on such an upgrade, so the loss is not silent. A sentinel connection is left
 * as it is: the client swaps its master connection on a failover, where a handler put in once would not follow.
 */
final class WriteCoalescing {

  private WriteCoalescing() {}

  /**
   * Installs the handler on every socket of a newly opened connection (a cluster connection has one per master).
   *
   * @return the number of sockets that coalesce their writes now; 0 when the client's internals are not the known ones
   */
  static int install(RedisConnection connection) {
    List<NetSocketInternal> sockets = new ArrayList<>();
    try {
      collect(connection, sockets);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return 0;
    }
    for (NetSocketInternal socket : sockets) {
      ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
      if (pipeline.get(FlushConsolidationHandler.class) == null) {
        // first from the head: every flush the client makes passes through it on its way out
        pipeline.addFirst(new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
      }
    }
    return sockets.size();
  }

  private static void collect(RedisConnection connection, List<NetSocketInternal> sockets)
      throws ReflectiveOperationException {
    if (connection instanceof PooledRedisConnection pooled) {
      collect(pooled.actual(), sockets);
    } else if (connection instanceof RedisStandaloneConnection standalone) {
      if (field(RedisStandaloneConnection.class, "netSocket").get(standalone) instanceof NetSocketInternal socket) {
        sockets.add(socket);
      }
    } else if (connection instanceof RedisClusterConnection cluster) {
      if (field(RedisClusterConnection.class, "connections").get(cluster) instanceof Map<?, ?> perMaster) {
        for (Object each : perMaster.values()) {
          if (each instanceof RedisConnection c) collect(c, sockets);
        }
      }
    }
  }

  private static Field field(Class<?> owner, String name) throws NoSuchFieldException {
    Field field = owner.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
