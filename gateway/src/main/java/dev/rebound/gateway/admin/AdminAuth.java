package dev.rebound.gateway.admin;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

/**
 * Guards /admin: with a token configured, the request must carry it (Authorization: Bearer or x-rebound-admin-token);
 * without one, only loopback clients are let in. Proxy keys never open the admin API.
 */
public final class AdminAuth implements Handler<RoutingContext> {
  private final byte[] token;

  public AdminAuth(String token) {
    this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (token == null) {
      if (isLoopback(ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().host())) {
        ctx.next();
      } else {
        deny(ctx, 403, "The admin API answers only on loopback while admin.token is not set.");
      }
      return;
    }
    String given = ctx.request().getHeader("x-rebound-admin-token");
    String auth = ctx.request().getHeader("authorization");
    if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).trim();
    if (given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      deny(ctx, 401, "Missing or wrong admin token: send 'Authorization: Bearer <admin.token>'.");
    }
  }

  private static boolean isLoopback(String host) {
    if (host == null) return false;
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  static void deny(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("message", message)).encode());
  }
}
