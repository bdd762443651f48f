package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * tracing.otlp end to end: the gateway's spans reach an OTLP/HTTP receiver in the test, decoded with the OTLP protobuf
 * messages; the backend (mock-llm) sees the traceparent of the attempt it serves.
 */
class TracingThroughGatewayTest {
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  private GatewayHarness h;
  private Vertx receiverVertx;
  private final List<Span> received = new CopyOnWriteArrayList<>();
  private final List<String> resourceServiceNames = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    if (h != null) h.close();
    if (receiverVertx != null) receiverVertx.close().await();
  }

  /** A collector's OTLP/HTTP traces endpoint: POST /v1/traces with an ExportTraceServiceRequest, answered 200. */
  private int startReceiver() {
    receiverVertx = Vertx.vertx();
    HttpServer server = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (!req.path().equals("/v1/traces") || !"application/x-protobuf".equals(req.getHeader("content-type"))) {
        req.response().setStatusCode(404).end();
        return;
      }
      try {
        ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body.getBytes());
        for (ResourceSpans rs : export.getResourceSpansList()) {
          resourceServiceNames.add(attribute(rs.getResource().getAttributesList(), "service.name").getStringValue());
          for (ScopeSpans ss : rs.getScopeSpansList()) received.addAll(ss.getSpansList());
        }
        req.response().putHeader("content-type", "application/x-protobuf").end();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        req.response().setStatusCode(400).end();
      }
    }));
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  @Test
  void aRetriedRequestIsOneServerSpanWithAnAttemptSpanPerTryAndTheWaitAsAnEvent() throws Exception {
    int collector = startReceiver();
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG
        + "tracing: { otlp: { endpoint: \"http://127.0.0.1:" + collector + "\", serviceName: rebound-test } }\n");
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 500));

    HttpResponse<String> answer = h.post("/v1/chat/completions", chat("gpt-4o"),
        "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
    assertEquals(200, answer.statusCode(), answer.body());
    String requestId = answer.headers().firstValue("x-request-id").orElseThrow();
    JsonArray upstream = h.upstreamRequests();
    assertEquals(2, upstream.size(), upstream.encodePrettily());

    // stopping the gateway exports what its batch still holds
    h.close();
    h = null;
    Eventually.await(receiverVertx, 10_000, "the spans of the request and its two attempts", () -> received.size() >= 3);

    assertEquals(List.of("rebound-test"), resourceServiceNames.stream().distinct().toList());
    List<Span> servers = received.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).toList();
    assertEquals(1, servers.size(), received.toString());
    Span server = servers.get(0);
    assertEquals("POST /v1/chat/completions", server.getName());
    assertEquals(CLIENT_TRACE, hex(server.getTraceId()), "the client's trace goes on");
    assertEquals(CLIENT_SPAN, hex(server.getParentSpanId()), "the client's span is the parent");
    assertEquals(requestId, string(server, "rebound.request_id"));
    assertEquals(200, attribute(server.getAttributesList(), "http.response.status_code").getIntValue());
    assertEquals("gpt-family", string(server, "rebound.route"));
    assertEquals("gpt-4o", string(server, "rebound.model"));
    Span.Event wait = event(server, "wait");
    assertTrue(string(wait.getAttributesList(), "reason").contains("waiting"), wait.toString());
    assertEquals(1, attribute(wait.getAttributesList(), "attempt").getIntValue());
    assertTrue(attribute(wait.getAttributesList(), "waitMs").getIntValue() >= 0);
    assertEquals(List.of("route", "wait"), eventNames(server), "the attempts' own events are on their spans");

    List<Span> attempts = received.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
        .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
    assertEquals(2, attempts.size(), received.toString());
    for (int i = 0; i < 2; i++) {
      Span a = attempts.get(i);
      assertEquals(server.getTraceId(), a.getTraceId());
      assertEquals(server.getSpanId(), a.getParentSpanId(), "an attempt is a child of its request");
      assertEquals("attempt assistant", a.getName());
      assertEquals("assistant", string(a, "rebound.agent"));
      assertEquals("mock-openai", string(a, "rebound.backend"));
      assertEquals("gpt-4o", string(a, "rebound.model"));
      assertEquals(i + 1, attribute(a.getAttributesList(), "rebound.attempt").getIntValue());
      // what the backend saw: the traceparent of this very attempt
      String traceparent = upstream.getJsonObject(i).getJsonObject("headers").getString("traceparent");
      assertEquals("00-" + CLIENT_TRACE + "-" + hex(a.getSpanId()) + "-01", traceparent);
    }
    Span failed = attempts.get(0);
    assertEquals("failure", string(failed, "rebound.outcome"));
    assertEquals(500, attribute(failed.getAttributesList(), "http.response.status_code").getIntValue());
    assertEquals("SERVER_ERROR", string(failed, "rebound.failure.kind"));
    assertEquals(Status.StatusCode.STATUS_CODE_ERROR, failed.getStatus().getCode());
    assertEquals(List.of("failure"), eventNames(failed));
    assertEquals("SERVER_ERROR", string(event(failed, "failure").getAttributesList(), "kind"));
    Span answered = attempts.get(1);
    assertEquals("answered", string(answered, "rebound.outcome"));
    assertEquals(200, attribute(answered.getAttributesList(), "http.response.status_code").getIntValue());
    assertFalse(has(answered, "rebound.failure.kind"));
    assertEquals(Status.StatusCode.STATUS_CODE_UNSET, answered.getStatus().getCode());
    assertTrue(answered.getStartTimeUnixNano() >= failed.getEndTimeUnixNano(), "the retry came after the first try ended");
    assertTrue(server.getEndTimeUnixNano() >= answered.getEndTimeUnixNano(), "the request outlasts its attempts");
  }

  @Test
  void aRequestWithoutTraceparentStartsItsOwnTrace() throws Exception {
    int collector = startReceiver();
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG
        + "tracing: { otlp: { endpoint: \"http://127.0.0.1:" + collector + "/v1/traces\" } }\n");
    assertEquals(200, h.post("/s/trace-1/v1/chat/completions", chat("gpt-4o")).statusCode());
    String traceparent = h.lastUpstreamRequest().getJsonObject("headers").getString("traceparent");
    h.close();
    h = null;
    Eventually.await(receiverVertx, 10_000, "the spans of the request and its attempt", () -> received.size() >= 2);
    Span server = received.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    assertEquals("POST /s/{sessionId}/v1/chat/completions", server.getName(), "the session id stays out of the span name");
    assertEquals("trace-1", string(server, "rebound.session_id"));
    assertTrue(server.getParentSpanId().isEmpty(), "a root span");
    assertNotNull(traceparent);
    assertTrue(traceparent.startsWith("00-" + hex(server.getTraceId()) + "-"), traceparent);
    assertEquals(List.of("rebound"), resourceServiceNames.stream().distinct().toList(), "the default service name");
  }

  @Test
  void aRequestThatGivesUpIsAnErrorSpanWithEveryFailedAttemptAndTheGiveUpEvent() throws Exception {
    int collector = startReceiver();
    // on the last agent a server error is retried while the wait budget lasts: a short one gives up soon
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG.replace("resilience: {", "resilience: { waitBudget: 300ms,")
        + "tracing: { otlp: { endpoint: \"http://127.0.0.1:" + collector + "\" } }\n");
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 503).put("times", -1));
    HttpResponse<String> answer = h.post("/v1/chat/completions", chat("gpt-4o"));
    assertTrue(answer.statusCode() >= 500, answer.statusCode() + " " + answer.body());
    int tries = h.upstreamRequests().size();
    assertTrue(tries >= 2, "retried before giving up: " + tries);
    h.close();
    h = null;
    Eventually.await(receiverVertx, 10_000, "the request's span and its attempts", () -> received.size() >= tries + 1);

    Span server = received.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    assertEquals(answer.statusCode(), attribute(server.getAttributesList(), "http.response.status_code").getIntValue());
    assertEquals(Status.StatusCode.STATUS_CODE_ERROR, server.getStatus().getCode());
    Span.Event giveUp = event(server, "give-up");
    assertEquals("WARNING", string(giveUp.getAttributesList(), "severity"));
    assertEquals(tries - 1, eventNames(server).stream().filter("wait"::equals).count(), "a wait before each retry");
    List<Span> attempts = received.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).toList();
    assertEquals(tries, attempts.size());
    for (Span a : attempts) {
      assertEquals("failure", string(a, "rebound.outcome"));
      assertEquals(503, attribute(a.getAttributesList(), "http.response.status_code").getIntValue());
      assertEquals(Status.StatusCode.STATUS_CODE_ERROR, a.getStatus().getCode());
    }
  }

  @Test
  void withTracingOffNoTraceparentGoesUpstreamAndNoExporterRuns() throws Exception {
    h = GatewayHarness.start();
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 500));
    assertEquals(200, h.post("/v1/chat/completions", chat("gpt-4o")).statusCode());
    JsonArray upstream = h.upstreamRequests();
    assertEquals(2, upstream.size());
    for (Object r : upstream) assertNull(((JsonObject) r).getJsonObject("headers").getString("traceparent"), r.toString());
    // a client's own traceparent is an ordinary header then: passed on untouched
    String own = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";
    assertEquals(200, h.post("/v1/chat/completions", chat("gpt-4o"), "traceparent", own).statusCode());
    assertEquals(own, h.lastUpstreamRequest().getJsonObject("headers").getString("traceparent"));
    // an exporter's batch thread would live as long as the gateway (one from another test ends with its gateway)
    Eventually.await(h.vertx, 5_000, "no exporter thread", () -> exporterThreads().isEmpty());
  }

  private static List<String> exporterThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("BatchSpanProcessor")).collect(Collectors.toList());
  }

  private static String chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello"))).encode();
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private static AnyValue attribute(List<KeyValue> attributes, String key) {
    return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue).findFirst()
        .orElseThrow(() -> new AssertionError("no attribute " + key + " in " + attributes));
  }

  private static String string(List<KeyValue> attributes, String key) {
    return attribute(attributes, key).getStringValue();
  }

  private static String string(Span span, String key) {
    return string(span.getAttributesList(), key);
  }

  private static boolean has(Span span, String key) {
    return span.getAttributesList().stream().anyMatch(kv -> kv.getKey().equals(key));
  }

  private static Span.Event event(Span span, String name) {
    return span.getEventsList().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " event in " + eventNames(span)));
  }

  private static List<String> eventNames(Span span) {
    List<String> names = new ArrayList<>();
    for (Span.Event e : span.getEventsList()) names.add(e.getName());
    return names;
  }
}
