package dev.rebound.gateway.config;

import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.RouteDefinition;
import dev.rebound.routing.RuleSet;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration, immutable and already validated: a value of this type is always usable.
 * Read it with {@link ConfigLoader}; conf/rebound.yaml documents every key.
 */
public record ReboundConfig(
    ServerConfig server,
    StoreConfig store,
    List<BackendConfig> backends,
    List<AgentDefinition> agents,
    List<RouteDefinition> routes,
    RoutingConfig routing,
    ResilienceConfig resilience,
    ContextConfig context,
    List<TenantConfig> tenants,
    AdminConfig admin,
    LogConfig log,
    AnalyticsConfig analytics,
    TracingConfig tracing,
    RuleSet ruleSet,
    ResponsesConfig responses,
    MetricsConfig metrics) {

  /** Without a {@code responses:} section: its defaults. */
  public ReboundConfig(ServerConfig server, StoreConfig store, List<BackendConfig> backends, List<AgentDefinition> agents,
      List<RouteDefinition> routes, RoutingConfig routing, ResilienceConfig resilience, ContextConfig context,
      List<TenantConfig> tenants, AdminConfig admin, LogConfig log, AnalyticsConfig analytics, TracingConfig tracing,
      RuleSet ruleSet) {
    this(server, store, backends, agents, routes, routing, resilience, context, tenants, admin, log, analytics, tracing,
        ruleSet, ResponsesConfig.DEFAULTS, MetricsConfig.DEFAULTS);
  }

  public ReboundConfig {
    if (responses == null) responses = ResponsesConfig.DEFAULTS;
    if (metrics == null) metrics = MetricsConfig.DEFAULTS;
    backends = List.copyOf(backends);
    agents = List.copyOf(agents);
    routes = List.copyOf(routes);
    tenants = List.copyOf(tenants);
  }

  public Optional<BackendConfig> backend(String name) {
    // on every attempt: a loop over a handful of backends, not a stream pipeline
    for (BackendConfig b : backends) if (b.name().equals(name)) return Optional.of(b);
    return Optional.empty();
  }

  public ReboundConfig withStore(StoreConfig newStore) {
    return new ReboundConfig(server, newStore, backends, agents, routes, routing, resilience, context, tenants, admin, log, analytics, tracing, ruleSet, responses, metrics);
  }

  public ReboundConfig withServer(ServerConfig newServer) {
    return new ReboundConfig(newServer, store, backends, agents, routes, routing, resilience, context, tenants, admin, log, analytics, tracing, ruleSet, responses, metrics);
  }
}
