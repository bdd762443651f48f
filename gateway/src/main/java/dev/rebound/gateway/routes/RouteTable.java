package dev.rebound.gateway.routes;

import dev.rebound.routing.RuleSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The routing rules in force. Replaced whole and atomically (admin API, file watch); a request reads it once, so
 * requests in flight finish on the rules they started with.
 */
public final class RouteTable {
  private final AtomicReference<Versioned> current;

  public RouteTable(RuleSet initial) {
    this.current = new AtomicReference<>(new Versioned(initial, 1));
  }

  public RuleSet current() {
    return current.get().rules();
  }

  public long version() {
    return current.get().version();
  }

  public long replace(RuleSet rules) {
    return current.updateAndGet(v -> new Versioned(rules, v.version() + 1)).version();
  }

  private record Versioned(RuleSet rules, long version) {}
}
