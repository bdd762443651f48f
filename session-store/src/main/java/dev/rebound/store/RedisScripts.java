package dev.rebound.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/** The store's Lua scripts (resources under {@code dev/rebound/store/redis/}), each run as a {@link LuaScript}. */
final class RedisScripts {

  enum Script {
    /** Every session write: version check, append, checkpoint, meta, TTL. */
    WRITE("write.lua"),
    /** Capped event append (one write of events, one stream entry) + TTL refresh. */
    EVENT("event.lua"),
    /** A session's events after a cursor, with the cap's floor. */
    EVENT_RANGE("event-range.lua"),
    /** Tenant listing update, on the index's own slot. */
    INDEX("index.lua"),
    /** Background jobs ({@link RedisResponseJobStore}): a new job; claim a due one; a run's write; cancel;
     * delete. */
    JOB_ENQUEUE("job-enqueue.lua"),
    JOB_CLAIM("job-claim.lua"),
    JOB_PROGRESS("job-progress.lua"),
    JOB_CANCEL("job-cancel.lua"),
    JOB_DELETE("job-delete.lua");

    final LuaScript lua;

    Script(String resource) {
      this.lua = new LuaScript(load(resource));
    }
  }

  private final Function<Request, Future<Response>> send;

  /** @param send how to send one command (the store's path, with its timeout and error mapping) */
  RedisScripts(Function<Request, Future<Response>> send) {
    this.send = send;
  }

  /** @param args String, byte[] (binary-safe) or Number */
  Future<Response> run(Script script, List<String> keys, List<?> args) {
    return script.lua.run(send, keys, args);
  }

  private static String load(String resource) {
    try (InputStream in = RedisScripts.class.getResourceAsStream("redis/" + resource)) {
      if (in == null) throw new IllegalStateException("missing resource dev/rebound/store/redis/" + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
