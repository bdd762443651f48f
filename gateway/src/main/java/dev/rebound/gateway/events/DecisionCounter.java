package dev.rebound.gateway.events;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts decisions by type (route, wait, fallback, breaker, checkpoint...) on their way to the next sink. */
public final class DecisionCounter implements EventSink {
  private final EventSink next;
  private final ConcurrentHashMap<String, LongAdder> byType = new ConcurrentHashMap<>();

  public DecisionCounter(EventSink next) {
    this.next = next;
  }

  @Override
  public void emit(GatewayEvent event) {
    byType.computeIfAbsent(event.type(), t -> new LongAdder()).increment();
    next.emit(event);
  }

  /** A sorted snapshot, for /metrics. */
  public Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    byType.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
