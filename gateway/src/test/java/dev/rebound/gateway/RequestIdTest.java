package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.events.LogEventSink;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One id per request: answered as x-request-id, sent upstream, on every event the request made and in their log lines. */
class RequestIdTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  HttpResponse<String> chat(String text, String... headers) throws Exception {
    return h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}",
        headers);
  }

  /** The events that belong to requests (breakers, window discovery and config belong to none). */
  List<GatewayEvent> requestEvents() {
    return h.events.stream().filter(e -> !List.of("window", "breaker", "store").contains(e.type().id())).toList();
  }

  @Test
  void aRetriedRequestsEventsUpstreamCallsAndAnswerCarryOneNewId() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG);
    h.fault(RecoveryTest.fault("once").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "0")));
    HttpResponse<String> r = chat("once", "x-session-id", "traced");
    assertEquals(200, r.statusCode(), r.body());
    String id = r.headers().firstValue("x-request-id").orElseThrow();
    assertTrue(id.matches("[0-9a-f]{32}"), id);

    List<GatewayEvent> events = requestEvents();
    assertTrue(events.stream().map(e -> e.type().id()).toList()
        .containsAll(List.of("route", "failure", "wait", "answered", "checkpoint")), events.toString());
    events.forEach(e -> assertEquals(id, e.requestId(), e.toString()));
    JsonArray upstream = h.upstreamRequests();
    assertEquals(2, upstream.size());
    upstream.forEach(q -> assertEquals(id, ((JsonObject) q).getJsonObject("headers").getString("x-request-id")));

    // the session's stored events say which request made them
    JsonArray stored = new JsonObject(h.get("/admin/sessions/traced/events").body()).getJsonArray("events");
    assertTrue(stored.size() >= 4, stored.encodePrettily());
    stored.forEach(e -> assertEquals(id, ((JsonObject) e).getJsonObject("details").getString("requestId"), e.toString()));

    HttpResponse<String> next = chat("again");
    assertNotEquals(id, next.headers().firstValue("x-request-id").orElseThrow(), "each request has its own");
  }

  @Test
  void aClientsOwnSaneIdIsKeptAndAnInsaneOneIsReplaced() throws Exception {
    h = GatewayHarness.start();
    HttpResponse<String> kept = chat("mine", "x-request-id", "client-7f3a:req/42");
    assertEquals(List.of("client-7f3a:req/42"), kept.headers().allValues("x-request-id"));
    assertEquals("client-7f3a:req/42", h.lastUpstreamRequest().getJsonObject("headers").getString("x-request-id"));
    assertTrue(requestEvents().stream().allMatch(e -> e.requestId().equals("client-7f3a:req/42")), requestEvents().toString());

    for (String insane : List.of("has spaces in it", "x".repeat(129), "a\ttab")) {
      HttpResponse<String> replaced = chat("insane", "x-request-id", insane);
      String id = replaced.headers().firstValue("x-request-id").orElseThrow();
      assertTrue(id.matches("[0-9a-f]{32}"), insane + " -> " + id);
      assertEquals(id, h.lastUpstreamRequest().getJsonObject("headers").getString("x-request-id"));
    }
  }

  @Test
  void theUpstreamsOwnRequestIdReachesTheClientUnderItsOwnName() throws Exception {
    h = GatewayHarness.start();
    h.fault(new JsonObject().put("match", new JsonObject().put("contains", "provider-id"))
        .put("headers", new JsonObject().put("x-request-id", "req_provider_123")));
    HttpResponse<String> r = chat("provider-id", "x-request-id", "mine-1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("mine-1"), r.headers().allValues("x-request-id"));
    assertEquals("req_provider_123", r.headers().firstValue("x-upstream-request-id").orElseThrow());
  }

  @Test
  void errorsTheGatewayAnswersItselfCarryTheIdToo() throws Exception {
    h = GatewayHarness.start();
    HttpResponse<String> r = h.post("/v1/chat/completions", "{nope", "x-request-id", "bad-body-1");
    assertEquals(400, r.statusCode());
    assertEquals("bad-body-1", r.headers().firstValue("x-request-id").orElseThrow());
    assertTrue(h.get("/health").headers().firstValue("x-request-id").isPresent());
  }

  @Test
  void eachEventLogLineNamesItsRequest() throws Exception {
    h = GatewayHarness.start();
    String id = chat("logged").headers().firstValue("x-request-id").orElseThrow();
    List<LogRecord> lines = new ArrayList<>();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord r) { lines.add(r); }
      @Override public void flush() {}
      @Override public void close() {}
    };
    Logger log = Logger.getLogger("rebound.events");
    log.addHandler(capture);
    try {
      requestEvents().forEach(new LogEventSink()::emit);
    } finally {
      log.removeHandler(capture);
    }
    assertTrue(lines.size() >= 2, lines.toString());
    lines.forEach(l -> assertEquals(id, new JsonObject(l.getMessage()).getString("requestId"), l.getMessage()));
  }
}
