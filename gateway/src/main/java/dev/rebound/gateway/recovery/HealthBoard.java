package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ResilienceConfig;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The health of every backend (breaker + cooldown), shared by all requests. */
public final class HealthBoard {
  private final Map<String, BackendHealth> byBackend = new LinkedHashMap<>();

  public HealthBoard(List<BackendConfig> backends, ResilienceConfig.Breaker breaker, Clock clock,
      Consumer<BackendHealth.Transition> transitions) {
    for (BackendConfig b : backends) byBackend.put(b.name(), new BackendHealth(b.name(), breaker, clock, transitions));
  }

  public BackendHealth of(String backend) {
    BackendHealth h = byBackend.get(backend);
    if (h == null) throw new IllegalArgumentException("unknown backend '" + backend + "'");
    return h;
  }

  public Map<String, BackendHealth> all() {
    return java.util.Collections.unmodifiableMap(byBackend);
  }
}
