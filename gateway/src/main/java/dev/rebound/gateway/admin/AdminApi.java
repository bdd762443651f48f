package dev.rebound.gateway.admin;

import dev.rebound.gateway.analytics.RecoveryAnalytics;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.routes.TurnFeedback;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.store.CheckpointStore;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * The admin API, mounted under /admin behind {@link AdminAuth}: one class per resource (routes, backends, tenants,
 * sessions, session events, recovery analytics, the dashboard's live feed, feedback on answers), each mounting its own endpoints.
 */
public final class AdminApi {
  private final ReboundConfig config;
  private final List<String> tenants;
  private final RoutesApi routes;
  private final BackendsApi backends;
  private final TenantsApi tenantNames;
  private final SessionsApi sessions;
  private final SessionEventsApi sessionEvents;
  private final AnalyticsApi analytics;
  private final LiveFeed live;
  private final FeedbackApi feedback;
  private final Clock clock;
  private BackgroundJobsApi backgroundJobs;
  private final KeptResponsesApi responses;

  public AdminApi(ReboundConfig config, RouteTable routes, HealthBoard health, LiveAgentHealth load,
      Supplier<CheckpointStore> store, SessionEventRecorder events, RecoveryAnalytics analytics, LiveFeed live,
      ContextWindows windows, Clock clock, TurnFeedback feedback) {
    this.config = config;
    this.tenants = config.tenants().stream().map(t -> t.name()).toList();
    this.routes = new RoutesApi(config, routes, load, events, clock);
    this.backends = new BackendsApi(health, routes, load, config, windows, live);
    this.tenantNames = new TenantsApi(tenants);
    this.sessions = new SessionsApi(store, events, clock);
    this.sessionEvents = new SessionEventsApi(store, events);
    this.analytics = new AnalyticsApi(analytics);
    this.live = live;
    this.feedback = new FeedbackApi(feedback);
    this.responses = new KeptResponsesApi(store);
    this.clock = clock;
  }

  /** Shows the background responses of this store (/admin/responses/background); call before {@link #mount}. */
  public void backgroundJobs(Supplier<dev.rebound.store.ResponseJobStore> jobs) {
    this.backgroundJobs = new BackgroundJobsApi(jobs, clock);
  }

  public void mount(Router router) {
    router.route("/admin/*").handler(new AdminAuth(config.admin().token()));
    AdminMount mount = new AdminMount(router, config.server().maxBodyBytes(), tenants);
    routes.mount(mount);
    backends.mount(mount);
    tenantNames.mount(mount);
    sessions.mount(mount);
    sessionEvents.mount(mount);
    analytics.mount(mount);
    live.mount(mount);
    feedback.mount(mount);
    if (backgroundJobs != null) backgroundJobs.mount(mount);
    responses.mount(mount);
  }
}
