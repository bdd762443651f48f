package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which backends nothing answered from at their last attempt (a refused, unresolvable or timed-out connection), read
 * from the events as they pass: a CONNECT failure marks a backend unreachable, any answer from it (even an error) marks
 * it reachable again. Readiness asks here, and may mark a backend reachable once it accepts a connection again.
 */
public final class Reachability implements EventSink {
  private final EventSink next;
  /** Per backend, why its last attempt reached nothing; null while it answers. Keys fixed at start: no lock needed. */
  private final Map<String, AtomicReference<String>> unreachable = new LinkedHashMap<>();

  public Reachability(List<BackendConfig> backends, EventSink next) {
    this.next = next;
    for (BackendConfig b : backends) unreachable.put(b.name(), new AtomicReference<>());
  }

  @Override
  public void emit(GatewayEvent event) {
    if (event.fields().get("backend") instanceof String backend && unreachable.containsKey(backend)) {
      switch (event.type()) {
        case FAILURE -> unreachable.get(backend).set(FailureKind.CONNECT.name().equals(event.fields().get("kind"))
            ? event.reason() : null);
        case ANSWERED -> unreachable.get(backend).set(null);
        default -> {
          // other decisions say nothing about whether the backend answers
        }
      }
    }
    next.emit(event);
  }

  /** Why the backend's last attempt reached nothing; null when it answered (or was not tried yet). */
  public String unreachable(String backend) {
    AtomicReference<String> why = unreachable.get(backend);
    return why == null ? null : why.get();
  }

  /** The backend accepted a connection again (a readiness check): requests may go to it. */
  public void reached(String backend, String before) {
    AtomicReference<String> why = unreachable.get(backend);
    // only if no attempt changed it meanwhile
    if (why != null) why.compareAndSet(before, null);
  }
}
