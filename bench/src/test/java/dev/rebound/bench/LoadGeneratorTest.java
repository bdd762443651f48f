package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The load generator against an in-process mock-llm: counting, stream parsing, fault arming, abandoning. */
class LoadGeneratorTest {
  static Vertx vertx;
  static MockLlmServer mock;
  static int port;
  static List<Context> contexts;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock = new MockLlmServer(vertx, MockLlmOptions.defaults().withPort(0));
    port = mock.start().await();
    contexts = Runner.eventLoopContexts(vertx, 2);
  }

  @AfterAll
  static void stop() throws Exception {
    mock.stop().await();
    vertx.close().await();
  }

  private LoadGenerator generator(Workload w, FaultMix faults, int targetPort) {
    return new LoadGenerator(vertx, contexts, "direct", "127.0.0.1", targetPort, w, faults, "127.0.0.1", port);
  }

  @Test
  void countModeSendsExactlyThatManyAndReadsWholeAnswers() {
    Workload w = new Workload("openai", Protocol.OPENAI, false, 3, 12, 0, null);
    try (LoadGenerator g = generator(w, null, port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 50, Resources.Probe.NONE);
      assertEquals(50, r.requests());
      assertEquals(50, r.ok());
      assertEquals(50, r.latency().getTotalCount());
      assertEquals(Map.of(), r.errors());
      assertTrue(r.metric(Metric.THROUGHPUT) > 0);
      assertTrue(Double.isNaN(r.metric(Metric.GATEWAY_CPU)), "no probe, no CPU figure");
    }
  }

  @Test
  void streamsInBothProtocolsAreTimedToTheFirstTokenAndCountedComplete() {
    for (Protocol p : Protocol.values()) {
      Workload w = new Workload(p.id(), p, true, 2, 5, 20, null);
      try (LoadGenerator g = generator(w, null, port)) {
        PhaseResult r = g.run("rep 1", Duration.ofMillis(300), 0, Resources.Probe.NONE);
        assertTrue(r.completeStreams() > 0, p + ": " + r.errors());
        assertEquals(r.streamRequests(), r.completeStreams(), p + ": " + r.errors());
        assertEquals(r.completeStreams(), r.ttft().getTotalCount());
        // 5 words 20 ms apart: the answer takes >= 80 ms, the first token comes well before, gaps are ~20 ms
        assertTrue(r.metric(Metric.P50) >= 80_000, p + " latency " + r.metric(Metric.P50));
        assertTrue(r.metric(Metric.TTFT_P50) < r.metric(Metric.P50), p + " ttft");
        assertTrue(r.metric(Metric.MAX_GAP) >= 15_000, p + " gap " + r.metric(Metric.MAX_GAP));
      }
    }
  }

  @Test
  void faultsAreArmedPerRequestAndShowUpAsErrorsByKind() {
    Workload w = new Workload("openai", Protocol.OPENAI, true, 4, 6, 0, null);
    FaultMix mix = new FaultMix(0.3, 1, 0.2, 3);
    try (LoadGenerator g = generator(w, mix, port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 400, Resources.Probe.NONE);
      assertEquals(400, r.requests());
      long armed429 = r.faultsArmed().getOrDefault("429", 0L);
      long armedCut = r.faultsArmed().getOrDefault("cut", 0L);
      assertTrue(armed429 > 60 && armedCut > 30, r.faultsArmed().toString());
      // direct to the mock nobody recovers: every armed fault reaches the client once
      assertEquals(armed429, r.errors().getOrDefault("http-429", 0L), r.errors().toString());
      assertEquals(armedCut, r.errors().getOrDefault("stream-cut", 0L), r.errors().toString());
      assertEquals(400 - armed429 - armedCut, r.completeStreams());
      assertEquals(0, g.resetMockFaults(), "every armed fault was used");
    }
  }

  @Test
  void requestsThatNeverEndAreAbandonedAsStuckAndTheNextPhaseStillWorks() throws Exception {
    // answers the headers of an SSE stream and then only keep-alive comments, forever
    HttpServer silent = vertx.createHttpServer().requestHandler(req -> req.end().onComplete(v -> {
      var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      resp.write(": keep-alive\n\n");
      long timer = vertx.setPeriodic(100, id -> resp.write(": keep-alive\n\n"));
      resp.closeHandler(x -> vertx.cancelTimer(timer));
    }));
    int silentPort = silent.listen(0, "127.0.0.1").await().actualPort();
    Workload w = new Workload("openai", Protocol.OPENAI, true, 2, 5, 0, null);
    try (LoadGenerator g = generator(w, null, silentPort)) {
      g.drainTimeoutOverrideMs = 500;
      PhaseResult r = g.run("rep 1", Duration.ofMillis(200), 0, Resources.Probe.NONE);
      assertEquals(Map.of("stuck", 2L), r.errors());
      assertEquals(2, r.requests());
      PhaseResult again = g.run("rep 2", Duration.ofMillis(200), 0, Resources.Probe.NONE);
      assertEquals(Map.of("stuck", 2L), again.errors(), "fresh connections, not the stuck ones");
    } finally {
      silent.close().await();
    }
  }

  @Test
  void sessionWorkloadsContinueEachConnectionsConversationDirectToTheMock() {
    Workload w = new Workload("openai", Protocol.OPENAI, false, 3, 12, 0, null, 4);
    try (LoadGenerator g = generator(w, null, port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 60, Resources.Probe.NONE);
      assertEquals(60, r.requests());
      assertEquals(60, r.ok(), r.errors().toString());
      assertEquals(Map.of(), r.errors());
    }
  }

  /**
   * A stand-in for the gateway under /s/{id}/: checks that every request of a session repeats the previous request's
   * messages and the answer it got, plus one new user message, and names the session and turn in its answer header
   * (or leaves the header out when {@code withHeader} is false). Counts requests that do not continue their session.
   */
  static HttpServer fakeSessionGateway(boolean withHeader, java.util.concurrent.atomic.AtomicInteger broken,
                                       java.util.Set<String> sessions) {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, com.fasterxml.jackson.databind.JsonNode> expected = new java.util.concurrent.ConcurrentHashMap<>();
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      if (!path.startsWith("/s/") || !path.endsWith("/v1/chat/completions")) {
        req.response().setStatusCode(404).end();
        return;
      }
      String id = path.substring(3, path.indexOf('/', 3));
      sessions.add(id);
      try {
        var messages = (com.fasterxml.jackson.databind.node.ArrayNode) json.readTree(body.getBytes()).get("messages");
        var before = expected.get(id);
        int n = messages.size();
        boolean continues = before == null ? n == 1
            : n == before.size() + 1 && java.util.stream.IntStream.range(0, before.size()).allMatch(i -> before.get(i).equals(messages.get(i)));
        if (!continues || !"user".equals(messages.get(n - 1).get("role").asText())) broken.incrementAndGet();
        var answer = json.createObjectNode().put("role", "assistant").put("content", "answer " + n);
        answer.putNull("refusal");
        var history = messages.deepCopy().add(answer);
        expected.put(id, history);
        var root = json.createObjectNode().put("id", "x").put("object", "chat.completion");
        root.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").set("message", answer);
        var resp = req.response().putHeader("content-type", "application/json");
        if (withHeader) resp.putHeader("x-rebound-session", id + "; turn=" + (n + 1) / 2);
        resp.end(root.toString());
      } catch (Exception e) {
        req.response().setStatusCode(500).end(e.toString());
      }
    }));
  }

  @Test
  void throughTheGatewayEveryRequestContinuesItsSessionUnderSlashSAndIsCheckedForTheSessionHeader() throws Exception {
    java.util.concurrent.atomic.AtomicInteger broken = new java.util.concurrent.atomic.AtomicInteger();
    java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    HttpServer fake = fakeSessionGateway(true, broken, sessions);
    int fakePort = fake.listen(0, "127.0.0.1").await().actualPort();
    Workload w = new Workload("openai", Protocol.OPENAI, false, 3, 12, 0, null, 4);
    try (LoadGenerator g = new LoadGenerator(vertx, contexts, Runner.GATEWAY, "127.0.0.1", fakePort, w, null, "127.0.0.1", port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 40, Resources.Probe.NONE);
      assertEquals(40, r.ok(), r.errors().toString());
      // the next phase's loops continue the same conversations
      PhaseResult r2 = g.run("rep 2", Duration.ofSeconds(1), 20, Resources.Probe.NONE);
      assertEquals(20, r2.ok(), r2.errors().toString());
      assertEquals(0, broken.get(), "every request continued its session");
      // 60 requests over 3 connections (shares vary), 4 turns per session: 15 sessions, up to one part-used per loop
      assertTrue(sessions.size() >= 15 && sessions.size() <= 18, sessions.size() + " sessions");
    } finally {
      fake.close().await();
    }
  }

  @Test
  void aGatewayAnswerWithoutTheSessionHeaderIsAnError() throws Exception {
    java.util.concurrent.atomic.AtomicInteger broken = new java.util.concurrent.atomic.AtomicInteger();
    java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    HttpServer fake = fakeSessionGateway(false, broken, sessions);
    int fakePort = fake.listen(0, "127.0.0.1").await().actualPort();
    Workload w = new Workload("openai", Protocol.OPENAI, false, 2, 12, 0, null, 4);
    try (LoadGenerator g = new LoadGenerator(vertx, contexts, Runner.GATEWAY, "127.0.0.1", fakePort, w, null, "127.0.0.1", port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 10, Resources.Probe.NONE);
      assertEquals(Map.of(Conversation.HEADER_MISSING, 10L), r.errors());
      assertEquals(10, r.answered200());
      assertEquals(0, r.ok());
      assertEquals(10, sessions.size(), "a request that failed its check starts a new session");
    } finally {
      fake.close().await();
    }
  }

  /**
   * Records every request's path and body in order, and answers like the gateway would: the assistant message depends
   * only on the number of messages; under /s/{id}/ with the session header naming the id and turn, on the plain path
   * without it (or, with {@code headerOnPlainPath}, with one anyway, as a gateway that bound it after all would).
   */
  static HttpServer recordingGateway(List<String[]> seen, boolean headerOnPlainPath) {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      synchronized (seen) {
        seen.add(new String[] {path, body.toString()});
      }
      try {
        int n = json.readTree(body.getBytes()).get("messages").size();
        var answer = json.createObjectNode().put("role", "assistant").put("content", "answer " + n);
        var root = json.createObjectNode().put("id", "x").put("object", "chat.completion");
        root.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").set("message", answer);
        var resp = req.response().putHeader("content-type", "application/json");
        if (path.startsWith("/s/")) {
          resp.putHeader("x-rebound-session", path.substring(3, path.indexOf('/', 3)) + "; turn=" + (n + 1) / 2);
        } else if (headerOnPlainPath) {
          resp.putHeader("x-rebound-session", "bound-anyway; turn=1");
        }
        resp.end(root.toString());
      } catch (Exception e) {
        req.response().setStatusCode(500).end(e.toString());
      }
    }));
  }

  @Test
  void directSessionsOnAndSessionsOffSendTheSameBodiesTurnByTurnOnlyThePathDiffers() throws Exception {
    Workload w = new Workload("openai", Protocol.OPENAI, false, 1, 12, 0, null, 4);
    java.util.Map<String, List<String[]>> byTarget = new java.util.LinkedHashMap<>();
    for (String target : List.of(Runner.DIRECT, Runner.GATEWAY, Runner.GATEWAY_SESSIONS_OFF)) {
      List<String[]> seen = new java.util.ArrayList<>();
      HttpServer fake = recordingGateway(seen, false);
      int fakePort = fake.listen(0, "127.0.0.1").await().actualPort();
      try (LoadGenerator g = new LoadGenerator(vertx, contexts, target, "127.0.0.1", fakePort, w, null, "127.0.0.1", port)) {
        // two phases: the connection's conversation carries over from one to the next
        PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 6, Resources.Probe.NONE);
        PhaseResult r2 = g.run("rep 2", Duration.ofSeconds(1), 4, Resources.Probe.NONE);
        assertEquals(Map.of(), r.errors(), target);
        assertEquals(Map.of(), r2.errors(), target);
        assertEquals(10, r.ok() + r2.ok(), target);
      } finally {
        fake.close().await();
      }
      byTarget.put(target, seen);
    }
    List<String> direct = byTarget.get(Runner.DIRECT).stream().map(x -> x[1]).toList();
    for (var e : byTarget.entrySet()) {
      assertEquals(direct, e.getValue().stream().map(x -> x[1]).toList(), e.getKey() + ": the same bodies in the same order");
    }
    // 4 turns per session: 1, 3, 5, 7 messages, then a new session
    assertEquals(List.of(1, 3, 5, 7, 1, 3, 5, 7, 1, 3), direct.stream()
        .map(b -> b.split("\"role\"", -1).length - 1).toList());
    for (String target : List.of(Runner.DIRECT, Runner.GATEWAY_SESSIONS_OFF)) {
      assertTrue(byTarget.get(target).stream().allMatch(x -> x[0].equals("/v1/chat/completions")), target + ": no session id");
    }
    assertTrue(byTarget.get(Runner.GATEWAY).stream().allMatch(x -> x[0].matches("/s/bench-[0-9a-f-]+/v1/chat/completions")));
  }

  @Test
  void withSessionsOffAnAnswerCarryingASessionHeaderIsAnError() throws Exception {
    List<String[]> seen = new java.util.ArrayList<>();
    HttpServer fake = recordingGateway(seen, true);
    int fakePort = fake.listen(0, "127.0.0.1").await().actualPort();
    Workload w = new Workload("anthropic", Protocol.ANTHROPIC, false, 2, 12, 0, null, 4);
    try (LoadGenerator g = new LoadGenerator(vertx, contexts, Runner.GATEWAY_SESSIONS_OFF, "127.0.0.1", fakePort, w,
        null, "127.0.0.1", port)) {
      PhaseResult r = g.run("rep 1", Duration.ofSeconds(1), 10, Resources.Probe.NONE);
      assertEquals(Map.of(Conversation.HEADER_UNEXPECTED, 10L), r.errors());
      assertEquals(10, r.answered200());
      assertEquals(0, r.ok());
    } finally {
      fake.close().await();
    }
    assertTrue(seen.stream().allMatch(x -> x[0].equals("/v1/messages")));
  }
}
