package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read-only page at /ui: served to anyone (it holds no data), locked down, and reading only guarded admin calls.
 * (.ci/ui-smoke.sh renders it in a real browser.)
 */
class AdminPageTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() {
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + """
        admin: { token: page-test-token }
        tenants:
          - { name: acme, keys: [key-acme-secret] }
          - { name: globex, keys: [key-globex-secret] }
        """);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void thePageAndItsScriptAreServedWithoutTheTokenAndMayRunOnlyTheirOwnCode() throws Exception {
    HttpResponse<String> page = h.get("/ui");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
    assertTrue(page.body().contains("<script src=\"/ui/app.js\"></script>"), page.body());
    String csp = page.headers().firstValue("content-security-policy").orElseThrow();
    assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), csp);
    assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElseThrow());

    HttpResponse<String> script = h.get("/ui/app.js");
    assertEquals(200, script.statusCode());
    assertTrue(script.headers().firstValue("content-type").orElseThrow().startsWith("text/javascript"));
    assertFalse(script.body().contains("innerHTML"), "what clients sent is shown as text, never parsed as HTML");
    assertEquals(200, h.get("/ui/app.css").statusCode());
    assertEquals(404, h.get("/ui/nothing-here.js").statusCode());
  }

  @Test
  void everyAdminCallTheScriptMakesExistsAndIsGuardedByTheToken() throws Exception {
    String script = h.get("/ui/app.js").body();
    for (String path : new String[] {"/admin/sessions", "/admin/tenants", "/admin/backends", "/admin/routes"}) {
      assertTrue(script.contains("'" + path), path);
      assertEquals(401, h.get(path).statusCode(), path + " without the token");
      assertEquals(200, h.get(path, "authorization", "Bearer page-test-token").statusCode(), path + " with it");
    }
  }

  @Test
  void theDashboardItsChartLibraryAndTheLibrarysLicenceAreServedFromThisOriginAndTheFeedIsGuarded() throws Exception {
    String page = h.get("/ui").body();
    for (String file : new String[] {"/ui/vendor/uPlot.iife.min.js", "/ui/dashboard.js", "/ui/vendor/uPlot.min.css",
        "/ui/dashboard.css"}) {
      assertTrue(page.contains("\"" + file + "\""), file + " is on the page");
      HttpResponse<String> r = h.get(file);
      assertEquals(200, r.statusCode(), file);
      assertTrue(r.headers().firstValue("content-type").orElseThrow()
          .startsWith(file.endsWith(".js") ? "text/javascript" : "text/css"), file);
    }
    assertTrue(page.indexOf("/ui/vendor/uPlot.iife.min.js") < page.indexOf("/ui/dashboard.js")
        && page.indexOf("/ui/dashboard.js") < page.indexOf("/ui/app.js\""), "uPlot, then the dashboard, then the page's script");
    assertTrue(h.get("/ui/vendor/uPlot.iife.min.js").body().contains("uPlot"), "the library itself");
    HttpResponse<String> licence = h.get("/ui/vendor/uPlot.LICENSE");
    assertEquals(200, licence.statusCode());
    assertTrue(licence.body().contains("The MIT License") && licence.body().contains("Leon Sorokin"), licence.body());

    String dashboard = h.get("/ui/dashboard.js").body();
    assertFalse(dashboard.contains("innerHTML"), "what the feed carries is shown as text, never parsed as HTML");
    assertTrue(dashboard.contains("'/admin/live'"));
    assertEquals(401, h.get("/admin/live").statusCode(), "the feed without the token");
    assertTrue(h.get("/ui/app.js").body().contains("|| '/dashboard'"), "the dashboard is the landing view");
  }

  @Test
  void aVoteOnAnAnswerReachesTheSessionPageWithEveryFieldItsFeedbackTableShows() throws Exception {
    String ask = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    HttpResponse<String> turn = h.post("/s/page-votes/v1/chat/completions", ask, "authorization", "Bearer key-acme-secret");
    assertEquals(200, turn.statusCode(), turn.body());
    JsonObject vote = new JsonObject().put("session", "page-votes").put("turn", 1).put("score", -1).put("note", "too vague");
    HttpResponse<String> voted = h.post("/admin/feedback", vote.encode(), "authorization", "Bearer page-test-token");
    assertEquals(200, voted.statusCode(), voted.body());

    Eventually.await(h.vertx, 5_000, "the feedback event", () -> !h.events("feedback").isEmpty());
    // what the page reads: the session's events, as the script asks for them
    JsonArray events = new JsonObject(h.get("/admin/sessions/page-votes/events?limit=1000", "authorization",
        "Bearer page-test-token").body()).getJsonArray("events");
    JsonObject[] feedback = new JsonObject[1];
    for (Object e : events) if ("feedback".equals(((JsonObject) e).getString("type"))) feedback[0] = (JsonObject) e;
    assertTrue(feedback[0] != null, events.encode());
    JsonObject d = feedback[0].getJsonObject("details");
    assertEquals(1, d.getInteger("turn"));
    assertEquals(-1.0, d.getDouble("score"));
    assertEquals("admin", d.getString("source"));
    assertEquals("too vague", d.getString("note"));
    assertTrue(d.getString("agent") != null && d.getString("task") != null, d.encode());

    String script = h.get("/ui/app.js").body();
    assertTrue(script.contains("'/events?'"), "the session page reads the session's events");
    assertTrue(script.contains("e.type === 'feedback'"), "and picks the votes out of them");
    assertTrue(script.contains("el('h2', {}, 'Feedback (' + voted.length + ')')"), "into a Feedback section");
    for (String field : new String[] {"v.turn", "v.score", "v.source", "v.agent", "v.task", "v.note"}) {
      assertTrue(script.contains(field), field + " is shown");
    }
  }

  @Test
  void theTenantListNamesTenantsWithoutTheirKeys() throws Exception {
    HttpResponse<String> r = h.get("/admin/tenants", "authorization", "Bearer page-test-token");
    assertEquals(new JsonArray().add("acme").add("globex"), new JsonObject(r.body()).getJsonArray("tenants"));
    assertFalse(r.body().contains("secret"), r.body());
  }
}
