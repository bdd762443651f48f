package dev.rebound.gateway.analytics;

import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.time.DurationText;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * The recovery figures of one time window, and whether they meet the design's targets: recovery success above 95 %,
 * and 95 % of recoveries within 30 s.
 *
 * Besides the figures: requests in flight (not in them until they end), requests whose trail was dropped before they
 * ended (too many at once, or older than an hour), and the PostgreSQL table's counters when one is written.
 */
public final class AnalyticsReport {
  public static final double TARGET_SUCCESS_PERCENT = 95.0;
  public static final Duration TARGET_P95_TIME_TO_RECOVER = Duration.ofSeconds(30);

  private static final FailureKind[] KINDS = FailureKind.values();

  private final Duration window;
  private final Instant from;
  private final Instant to;
  private final RecoveryCounts counts;
  private final long inFlight;
  private final long unjudged;
  private final JsonObject table;

  AnalyticsReport(Duration window, Instant from, Instant to, RecoveryCounts counts, long inFlight, long unjudged,
      JsonObject table) {
    this.window = window;
    this.from = from;
    this.to = to;
    this.counts = counts;
    this.inFlight = inFlight;
    this.unjudged = unjudged;
    this.table = table;
  }

  public Duration window() {
    return window;
  }

  /** Requests judged in the window. */
  public long requests() {
    return counts.answered + counts.gaveUp + counts.clientGone;
  }

  public long recovered() {
    long n = 0;
    for (long r : counts.recovered) n += r;
    return n;
  }

  public long notRecovered() {
    long n = 0;
    for (long r : counts.notRecovered) n += r;
    return n;
  }

  /** Recovered among the recoveries judged, in percent; null when there were none. */
  public Double successPercent() {
    return percent(recovered(), recovered() + notRecovered());
  }

  /** The {@code p} quantile of the time to recover over every kind, in ms; null when nothing recovered. */
  public Long timeToRecoverMs(double p) {
    return allTimes().percentile(p);
  }

  private DurationHistogram allTimes() {
    DurationHistogram all = new DurationHistogram();
    for (DurationHistogram h : counts.recoveryTimes) if (h != null) all.addAll(h);
    return all;
  }

  public JsonObject toJson() {
    JsonObject out = new JsonObject()
        .put("window", DurationText.format(window))
        .put("from", from.toString())
        .put("to", to.toString());
    out.put("requests", new JsonObject()
        .put("total", requests())
        .put("answered", counts.answered)
        .put("gaveUp", counts.gaveUp)
        .put("clientGone", counts.clientGone)
        .put("inFlight", inFlight)
        .put("unjudged", unjudged));
    out.put("failures", failures());
    out.put("recoveries", recoveries());
    long judged = requests();
    JsonObject byRetries = new JsonObject();
    for (int i = 0; i < RecoveryCounts.RETRY_COLUMNS; i++) {
      byRetries.put(i == RecoveryCounts.RETRY_COLUMNS - 1 ? i + "+" : String.valueOf(i), counts.requestsByRetries[i]);
    }
    out.put("retries", new JsonObject()
        .put("total", counts.retries)
        .put("perRequest", judged == 0 ? null : round(counts.retries / (double) judged, 2))
        .put("max", counts.maxRetries)
        .put("requestsByRetries", byRetries));
    out.put("fallbacks", new JsonObject()
        .put("total", counts.fallbacks)
        .put("crossProtocol", counts.crossProtocolFallbacks)
        .put("forContext", counts.contextFallbacks));
    out.put("context", new JsonObject()
        .put("truncated", counts.truncated)
        .put("summarized", counts.summarized)
        .put("maxTokensLowered", counts.maxTokensLowered)
        .put("refused", counts.refused));
    out.put("overflows", new JsonObject()
        .put("total", counts.upstreamOverflows + counts.preflightOverflows)
        .put("upstream", counts.upstreamOverflows)
        .put("preflight", counts.preflightOverflows));
    out.put("targets", targets());
    if (table != null) out.put("postgres", table);
    return out;
  }

  private JsonObject failures() {
    long total = 0;
    long[] byKind = new long[KINDS.length];
    JsonObject byBackend = new JsonObject();
    for (var entry : counts.failures.entrySet()) {
      JsonObject kinds = new JsonObject();
      for (int k = 0; k < KINDS.length; k++) {
        long n = entry.getValue()[k];
        if (n == 0) continue;
        kinds.put(KINDS[k].type(), n);
        byKind[k] += n;
        total += n;
      }
      byBackend.put(entry.getKey(), kinds);
    }
    JsonObject kinds = new JsonObject();
    for (int k = 0; k < KINDS.length; k++) if (byKind[k] > 0) kinds.put(KINDS[k].type(), byKind[k]);
    return new JsonObject().put("total", total).put("byKind", kinds).put("byBackend", byBackend);
  }

  private JsonObject recoveries() {
    JsonObject byKind = new JsonObject();
    for (int k = 0; k < KINDS.length; k++) {
      long ok = counts.recovered[k];
      long not = counts.notRecovered[k];
      if (ok + not == 0) continue;
      DurationHistogram times = counts.recoveryTimes[k] == null ? new DurationHistogram() : counts.recoveryTimes[k];
      byKind.put(KINDS[k].type(), new JsonObject()
          .put("total", ok + not)
          .put("recovered", ok)
          .put("gaveUp", not)
          .put("successPercent", percent(ok, ok + not))
          .put("p50TimeToRecoverMs", times.percentile(0.50))
          .put("p95TimeToRecoverMs", times.percentile(0.95)));
    }
    DurationHistogram all = allTimes();
    return new JsonObject()
        .put("total", recovered() + notRecovered())
        .put("recovered", recovered())
        .put("gaveUp", notRecovered())
        .put("successPercent", successPercent())
        .put("p50TimeToRecoverMs", all.percentile(0.50))
        .put("p95TimeToRecoverMs", all.percentile(0.95))
        .put("byKind", byKind);
  }

  /** Each target with the window's value; {@code met} is null when the window had no recovery to judge it by. */
  private JsonObject targets() {
    Double success = successPercent();
    Long p95 = timeToRecoverMs(0.95);
    return new JsonObject()
        .put("recoverySuccess", new JsonObject()
            .put("target", "> " + format(TARGET_SUCCESS_PERCENT) + " %")
            .put("value", success)
            .put("met", success == null ? null : success > TARGET_SUCCESS_PERCENT))
        .put("p95TimeToRecover", new JsonObject()
            .put("target", "< " + DurationText.format(TARGET_P95_TIME_TO_RECOVER))
            .put("valueMs", p95)
            .put("met", p95 == null ? null : p95 < TARGET_P95_TIME_TO_RECOVER.toMillis()));
  }

  private static Double percent(long part, long whole) {
    return whole == 0 ? null : round(100.0 * part / whole, 2);
  }

  private static double round(double v, int places) {
    return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP).doubleValue();
  }

  private static String format(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
