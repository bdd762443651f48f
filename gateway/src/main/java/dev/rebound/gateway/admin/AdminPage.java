package dev.rebound.gateway.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The read-only page for people at {@code /ui}: static files that read the admin API from the browser. The page holds
 * no data itself, so it is served without the admin token; the API calls it makes carry the token the user enters
 * (kept in the tab's sessionStorage) and are guarded as any other admin call.
 */
public final class AdminPage {
  // scripts and styles from this origin only, no inline code: message contents are shown as text, never run
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Buffer index = resource("index.html");
  private final Buffer script = resource("app.js");
  private final Buffer style = resource("app.css");

  public void mount(Router router) {
    router.get("/ui").handler(ctx -> send(ctx, index, "text/html; charset=utf-8"));
    router.get("/ui/").handler(ctx -> send(ctx, index, "text/html; charset=utf-8"));
    router.get("/ui/app.js").handler(ctx -> send(ctx, script, "text/javascript; charset=utf-8"));
    router.get("/ui/app.css").handler(ctx -> send(ctx, style, "text/css; charset=utf-8"));
  }

  private static void send(RoutingContext ctx, Buffer body, String type) {
    ctx.response()
        .putHeader("content-type", type)
        .putHeader("content-security-policy", CSP)
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("cache-control", "no-cache")
        .end(body);
  }

  private static Buffer resource(String name) {
    try (InputStream in = AdminPage.class.getResourceAsStream("/dev/rebound/gateway/ui/" + name)) {
      if (in == null) throw new IllegalStateException("ui/" + name + " is missing from the jar");
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
