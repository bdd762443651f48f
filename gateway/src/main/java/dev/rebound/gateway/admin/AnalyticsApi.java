package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;

import dev.rebound.gateway.analytics.RecoveryAnalytics;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * /admin/analytics?window=15m|1h|24h: the recovery figures of the last window (1 h when not given): requests, failures
 * by kind and backend, recovery success and time to recover per kind, retries per request, fallbacks, context changes,
 * overflows, and whether the design's targets are met.
 */
final class AnalyticsApi {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

  private final RecoveryAnalytics analytics;

  AnalyticsApi(RecoveryAnalytics analytics) {
    this.analytics = analytics;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/analytics", this::analytics);
  }

  private void analytics(RoutingContext ctx, AdminParams p) {
    Duration window = p.queryMinutes("window", DEFAULT_WINDOW, Duration.ofMinutes(1), RecoveryAnalytics.SPAN);
    ok(ctx, analytics.report(window).toJson());
  }
}
