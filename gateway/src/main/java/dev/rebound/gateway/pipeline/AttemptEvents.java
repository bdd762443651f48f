package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.routing.AgentDefinition;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/** The attempt loop's decisions as events: each names the agent, its backend and the attempt it belongs to. */
final class AttemptEvents {
  private final Exchange ex;
  private final Clock clock;
  private final IntSupplier attempt;

  AttemptEvents(Exchange ex, Clock clock, IntSupplier attempt) {
    this.ex = ex;
    this.clock = clock;
    this.attempt = attempt;
  }

  void emit(String type, String reason, AgentDefinition agent, Map<String, Object> extra) {
    ex.events().emit(event(type, reason, agent, extra));
  }

  /** A decision the client will see as an error: worth a warning, unlike the retries and fallbacks that hid one. */
  void warn(String type, String reason, AgentDefinition agent, Map<String, Object> extra) {
    ex.events().emit(event(type, reason, agent, extra).asWarning());
  }

  private GatewayEvent event(String type, String reason, AgentDefinition agent, Map<String, Object> extra) {
    Map<String, Object> fields = new LinkedHashMap<>();
    if (agent != null) {
      fields.put("agent", agent.name());
      fields.put("backend", agent.backend());
    }
    fields.put("attempt", attempt.getAsInt());
    if (extra != null) fields.putAll(extra);
    return new GatewayEvent(clock.instant(), type, ex.tenant(), ex.sessionId(), reason, fields);
  }
}
