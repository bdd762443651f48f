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
 *
 * <p>The dashboard (the landing view) draws its charts with uPlot, served as the WebJar ships it, with its MIT licence
 * at {@code /ui/vendor/uPlot.LICENSE}.
 */
public final class AdminPage {
  // scripts and styles from this origin only, no inline code: message contents are shown as text, never run
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** The uPlot WebJar's version (gateway/pom.xml names it; its files sit under it). */
  static final String UPLOT_VERSION = webjarVersion();

  private final Buffer index = resource("index.html");
  private final Buffer script = resource("app.js");
  private final Buffer style = resource("app.css");
  private final Buffer dashboard = resource("dashboard.js");
  private final Buffer dashboardStyle = resource("dashboard.css");
  private final Buffer chartScript = webjar("dist/uPlot.iife.min.js");
  private final Buffer chartStyle = webjar("dist/uPlot.min.css");
  private final Buffer chartLicence = webjar("LICENSE");

  public void mount(Router router) {
    router.get("/ui").handler(ctx -> send(ctx, index, "text/html; charset=utf-8"));
    router.get("/ui/").handler(ctx -> send(ctx, index, "text/html; charset=utf-8"));
    router.get("/ui/app.js").handler(ctx -> send(ctx, script, "text/javascript; charset=utf-8"));
    router.get("/ui/app.css").handler(ctx -> send(ctx, style, "text/css; charset=utf-8"));
    router.get("/ui/dashboard.js").handler(ctx -> send(ctx, dashboard, "text/javascript; charset=utf-8"));
    router.get("/ui/dashboard.css").handler(ctx -> send(ctx, dashboardStyle, "text/css; charset=utf-8"));
    router.get("/ui/vendor/uPlot.iife.min.js").handler(ctx -> send(ctx, chartScript, "text/javascript; charset=utf-8"));
    router.get("/ui/vendor/uPlot.min.css").handler(ctx -> send(ctx, chartStyle, "text/css; charset=utf-8"));
    router.get("/ui/vendor/uPlot.LICENSE").handler(ctx -> send(ctx, chartLicence, "text/plain; charset=utf-8"));
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
    return read("/dev/rebound/gateway/ui/" + name);
  }

  /** A file of the uPlot WebJar (its version is the one the pom names). */
  private static Buffer webjar(String name) {
    return read("/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/" + name);
  }

  private static String webjarVersion() {
    java.util.Properties p = new java.util.Properties();
    try (InputStream in = AdminPage.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
      if (in == null) throw new IllegalStateException("the uPlot WebJar is missing from the jar");
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  private static Buffer read(String path) {
    try (InputStream in = AdminPage.class.getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException(path + " is missing from the jar");
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
