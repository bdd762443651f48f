package dev.rebound.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * The Lua scripts (resources under {@code dev/rebound/store/redis/}) and how to run them: EVALSHA, and on NOSCRIPT
 * (a restarted or flushed server, a new cluster node) EVAL, which runs the script and caches it on the node that owns
 * the keys. EVAL rather than SCRIPT LOAD + EVALSHA: in a cluster, SCRIPT LOAD without a key may land on another node.
 */
final class RedisScripts {

  enum Script {
    /** Every session write: version check, append, checkpoint, meta, TTL. */
    WRITE("write.lua"),
    /** Capped event append + TTL refresh. */
    EVENT("event.lua"),
    /** Tenant listing update, on the index's own slot. */
    INDEX("index.lua"),
    /** Background jobs ({@link RedisResponseJobStore}): a new job; claim a due one; a run's write; cancel;
     * delete. */
    JOB_ENQUEUE("job-enqueue.lua"),
    JOB_CLAIM("job-claim.lua"),
    JOB_PROGRESS("job-progress.lua"),
    JOB_CANCEL("job-cancel.lua"),
    JOB_DELETE("job-delete.lua");

    final String text;
    final String sha;

    Script(String resource) {
      this.text = load(resource);
      this.sha = sha1Hex(text);
    }
  }

  private final Function<Request, Future<Response>> send;

  /** @param send how to send one command (the store's path, with its timeout and error mapping) */
  RedisScripts(Function<Request, Future<Response>> send) {
    this.send = send;
  }

  /** @param args String, byte[] (binary-safe) or Number */
  Future<Response> run(Script script, List<String> keys, List<?> args) {
    return send.apply(request(Command.EVALSHA, script.sha, keys, args)).recover(err -> {
      String message = err.getMessage();
      if (err instanceof Response && message != null && message.startsWith("NOSCRIPT")) {
        return send.apply(request(Command.EVAL, script.text, keys, args));
      }
      return Future.failedFuture(err);
    });
  }

  private static Request request(Command command, String script, List<String> keys, List<?> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    for (Object arg : args) {
      if (arg instanceof byte[] bytes) request.arg(bytes);
      else if (arg instanceof Number n) request.arg(n.longValue());
      else request.arg(String.valueOf(arg));
    }
    return request;
  }

  private static String load(String resource) {
    try (InputStream in = RedisScripts.class.getResourceAsStream("redis/" + resource)) {
      if (in == null) throw new IllegalStateException("missing resource dev/rebound/store/redis/" + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
