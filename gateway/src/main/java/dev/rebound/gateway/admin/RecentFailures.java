package dev.rebound.gateway.admin;

import dev.rebound.gateway.events.GatewayEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latest requests that met a failure, each with its recovery as it unfolds: the failures, the retries, waits and
 * fallbacks that followed, and how it ended (recovered by which agent and how long after the first failure, gave up, or
 * the client left). A request enters at its first failure (or at a give-up with no attempt made); at most
 * {@link #KEPT} are kept, the oldest go first. Guarded by the caller.
 */
final class RecentFailures {
  static final int KEPT = 50;
  /** Steps kept per request: a plan is a few agents of a few attempts each. */
  static final int MAX_STEPS = 24;

  private static final class Incident {
    final String requestId;
    final GatewayEvent first;
    final JsonArray steps = new JsonArray();
    String outcome = "pending";
    String agent;
    String backend;
    Long recoveryMs;

    Incident(String requestId, GatewayEvent first) {
      this.requestId = requestId;
      this.first = first;
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("requestId", requestId)
          .put("at", first.at().toString())
          .put("tenant", first.tenant())
          .put("session", first.sessionId())
          .put("steps", steps.copy())
          .put("outcome", outcome)
          .put("agent", agent)
          .put("backend", backend)
          .put("recoveryMs", recoveryMs);
    }
  }

  /** By request id, oldest first. */
  private final LinkedHashMap<String, Incident> byRequest = new LinkedHashMap<>();

  /** Notes a decision; answers the request's failure as it now stands when the decision changed it, else null. */
  JsonObject note(GatewayEvent e) {
    String id = e.requestId();
    if (id == null) return null;
    Incident incident = byRequest.get(id);
    switch (e.type()) {
      case FAILURE, GIVE_UP -> {
        if (incident == null) incident = open(id, e);
      }
      case RETRY, FALLBACK, WAIT, SKIP, CONTEXT, ANSWERED, CLIENT_GONE -> {
        if (incident == null) return null;
      }
      default -> {
        return null;
      }
    }
    switch (e.type()) {
      case ANSWERED -> {
        incident.outcome = Boolean.TRUE.equals(e.fields().get("clientGone")) ? "client-gone" : "recovered";
        incident.agent = text(e, "agent");
        incident.backend = text(e, "backend");
        incident.recoveryMs = Math.max(0, Duration.between(incident.first.at(), e.at()).toMillis());
      }
      case GIVE_UP -> {
        incident.outcome = "gave-up";
        incident.recoveryMs = Math.max(0, Duration.between(incident.first.at(), e.at()).toMillis());
      }
      case CLIENT_GONE -> incident.outcome = "client-gone";
      default -> {
        // a step on the way
      }
    }
    if (incident.steps.size() < MAX_STEPS) incident.steps.add(LiveFeed.decision(e));
    return incident.toJson();
  }

  private Incident open(String id, GatewayEvent e) {
    Incident incident = new Incident(id, e);
    byRequest.put(id, incident);
    Iterator<Map.Entry<String, Incident>> it = byRequest.entrySet().iterator();
    while (byRequest.size() > KEPT) {
      it.next();
      it.remove();
    }
    return incident;
  }

  /** The requests kept, oldest first. */
  JsonArray toJson() {
    JsonArray out = new JsonArray();
    byRequest.values().forEach(i -> out.add(i.toJson()));
    return out;
  }

  private static String text(GatewayEvent e, String field) {
    return e.fields().get(field) instanceof String s ? s : null;
  }
}
