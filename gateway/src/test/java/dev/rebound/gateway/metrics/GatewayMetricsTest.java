package dev.rebound.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.RequestRecord;
import dev.rebound.gateway.stream.TokenUsage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.http.HttpServerResponse;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The token counts of a request whose client left: the race a test through sockets cannot pin down (the client closes
 * after the upstream's last event, before the reply's end), told to the meters as the gateway tells them.
 */
class GatewayMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final GatewayMetrics metrics = new GatewayMetrics(registry, e -> {});

  /** A response the client left before its end: its head went out, its end never did. */
  static HttpServerResponse leftBeforeTheEnd() {
    return (HttpServerResponse) Proxy.newProxyInstance(HttpServerResponse.class.getClassLoader(),
        new Class<?>[] {HttpServerResponse.class}, (proxy, method, args) -> switch (method.getName()) {
          case "ended" -> false;
          case "headWritten" -> true;
          case "getStatusCode" -> 200;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  RequestRecord request(EventType outcome) {
    RequestRecord r = new RequestRecord("r1", e -> {}, Clock.systemUTC());
    r.usage(() -> new TokenUsage(12, 7, 300, 40));
    r.emit(new GatewayEvent(Instant.now(), outcome, "acme", "s1", "the end",
        Map.of("agent", "claude", "backend", "claude-api")));
    return r;
  }

  double tokens(String type) {
    var c = registry.find("rebound.tokens").tags("agent", "claude", "tenant", "acme", "type", type).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void anAnswerTheUpstreamGaveWholeCountsItsTokensWhenTheClientLeftBeforeTheReplyEnded() {
    metrics.requestEnded(request(EventType.ANSWERED), "claude", "acme", "anthropic", true, leftBeforeTheEnd());
    assertEquals(12, tokens("input"));
    assertEquals(7, tokens("output"));
    assertEquals(300, tokens("cache_read"));
    assertEquals(40, tokens("cache_write"));
    assertEquals(1, registry.find("rebound.requests").tags("error", "client_gone").counter().count());
  }

  @Test
  void anAnswerCutWhenTheClientLeftCountsNoTokens() {
    metrics.requestEnded(request(EventType.CLIENT_GONE), "claude", "acme", "anthropic", true, leftBeforeTheEnd());
    assertEquals(0, tokens("input"));
    assertEquals(0, tokens("output"));
  }
}
