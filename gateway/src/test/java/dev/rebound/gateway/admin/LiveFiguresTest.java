package dev.rebound.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live figures read from meters named as GatewayMetrics names them, between readings taken at given times. */
class LiveFiguresTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final LiveFigures figures = new LiveFigures(registry);

  Timer latency(String agent) {
    return Timer.builder("rebound.request.duration").tag("agent", agent)
        .serviceLevelObjectives(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500))
        .register(registry);
  }

  Counter requests(String error) {
    return Counter.builder("rebound.requests").tag("error", error).register(registry);
  }

  static long seconds(double s) {
    return (long) (s * 1e9);
  }

  @Test
  void theP95IsInterpolatedWithinItsBucketOverEveryTimerAndNeverAboveTheLargestSeen() {
    figures.read(0);
    // 20 requests: 18 under 50 ms, 2 at 200 ms, over two agents' timers: rank 19 of 20 is the first in (100, 250]
    for (int i = 0; i < 18; i++) latency(i % 2 == 0 ? "a" : "b").record(10, TimeUnit.MILLISECONDS);
    latency("a").record(200, TimeUnit.MILLISECONDS);
    latency("b").record(200, TimeUnit.MILLISECONDS);
    JsonObject f = figures.read(seconds(2));
    assertEquals(175.0, f.getDouble("p95LatencyMs"), "100 + (19 - 18) / 2 of the way to 250, as histogram_quantile reads it");
    assertNull(f.getValue("p95FirstTokenMs"), "no stream: no first token");
    assertEquals(175.0, figures.read(seconds(50)).getDouble("p95LatencyMs"), "still within the minute");
    assertNull(figures.read(seconds(115)).getValue("p95LatencyMs"), "nothing recorded in the last minute");
  }

  @Test
  void aPercentileWithinTheFirstBucketIsNotShownAboveTheLargestValueSeen() {
    figures.read(0);
    for (int i = 0; i < 10; i++) latency("a").record(5, TimeUnit.MILLISECONDS);
    assertEquals(5.0, figures.read(seconds(2)).getDouble("p95LatencyMs"), "47.5 ms read from the bucket, but none took over 5");
  }

  @Test
  void ratesAreOfTheLastTenSecondsAndCountsOfTheLastMinute() {
    Counter ok = requests("none");
    Counter failed = requests("server_error");
    figures.read(0);
    ok.increment(30);
    figures.read(seconds(30));
    ok.increment(6);
    failed.increment(4);
    JsonObject f = figures.read(seconds(40));
    assertEquals(1.0, f.getDouble("requestsPerSecond"), "10 requests in the last 10 s");
    assertEquals(40, f.getLong("requestsLastMinute"));
    assertEquals(10.0, f.getDouble("errorPercent"));
    assertNull(f.getValue("recoverySuccessPercent"), "no recovery to judge");

    // 70 s on, the minute reaches back to the reading at 30 s: the first 30 requests are out of it
    JsonObject later = figures.read(seconds(70));
    assertEquals(10, later.getLong("requestsLastMinute"));
    assertEquals(40.0, later.getDouble("errorPercent"));
    assertEquals(0.0, later.getDouble("requestsPerSecond"));
  }
}
