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
}
