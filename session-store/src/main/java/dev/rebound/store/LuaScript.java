package dev.rebound.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A Lua script as Redis runs it: by its SHA-1 (EVALSHA), so its text crosses the wire and is hashed by Redis only when
 * the server does not have it yet (NOSCRIPT: a restarted or flushed server, a new cluster node); then EVAL runs it and
 * caches it on the node that owns the keys. EVAL rather than SCRIPT LOAD + EVALSHA: in a cluster, SCRIPT LOAD without a
 * key may land on another node.
 */
public final class LuaScript {
  private final String text;
  private final String sha;

  public LuaScript(String text) {
    this.text = text;
    this.sha = sha1Hex(text);
  }

  /**
   * Runs the script.
   *
   * @param send how to send one command
   * @param args String, byte[] (binary-safe) or Number
   */
  public Future<Response> run(Function<Request, Future<Response>> send, List<String> keys, List<?> args) {
    return send.apply(request(Command.EVALSHA, sha, keys, args)).recover(err -> {
      String message = err.getMessage();
      if (err instanceof Response && message != null && message.startsWith("NOSCRIPT")) {
        return send.apply(request(Command.EVAL, text, keys, args));
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

  private static String sha1Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
