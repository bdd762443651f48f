package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.routing.AgentDefinition;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/** The attempt loop's decisions as events: each names the agent, its backend and the attempt it belongs to. */
final class AttemptEvents {
  private final Exchange ex;
  private final IntSupplier attempt;

  AttemptEvents(Exchange ex, IntSupplier attempt) {
    this.ex = ex;
    this.attempt = attempt;
  }

  void emit(EventType type, String reason, AgentDefinition agent, Map<String, Object> extra) {
    ex.emit(type, reason, fields(agent, extra));
  }

  /** A decision the client will see as an error: worth a warning, unlike the retries and fallbacks that hid one. */
  void warn(EventType type, String reason, AgentDefinition agent, Map<String, Object> extra) {
    ex.warn(type, reason, fields(agent, extra));
  }

  /** An attempt goes out: with tracing on, its span starts and its traceparent joins the upstream headers. */
  void sending(AgentDefinition agent, io.vertx.core.MultiMap upstreamHeaders) {
    if (ex.trace() != null) {
      ex.trace().attemptStarted(agent.name(), agent.backend(), agent.model(), attempt.getAsInt(), upstreamHeaders);
    }
  }

  private Map<String, Object> fields(AgentDefinition agent, Map<String, Object> extra) {
    LinkedHashMap<String, Object> fields = new LinkedHashMap<>();
    if (agent != null) {
      fields.put("agent", agent.name());
      fields.put("backend", agent.backend());
    }
    fields.put("attempt", attempt.getAsInt());
    if (extra != null) fields.putAll(extra);
    return GatewayEvent.fieldsOf(fields);
  }
}
