package dev.rebound.gateway.events;

import java.util.HashMap;
import java.util.Map;

/**
 * Every kind of decision the gateway reports, by the name it has in the log, in metrics and in a session's event
 * stream. Readers (metrics, reachability, the request record) switch on these, never on text.
 */
public enum EventType {
  // a request's way through the pipeline
  ROUTE("route"),
  SKIP("skip"),
  CONTEXT("context"),
  WAIT("wait"),
  PACE("pace"),
  RETRY("retry"),
  FALLBACK("fallback"),
  FAILURE("failure"),
  ANSWERED("answered"),
  CLIENT_GONE("client-gone"),
  GIVE_UP("give-up"),
  HANDOFF("handoff"),
  TRANSLATE("translate"),
  // background responses: accepted, each run with its deadline, replays, how the job ended
  BACKGROUND("background"),
  // sessions
  SESSION("session"),
  RESUME("resume"),
  FORK("fork"),
  CHECKPOINT("checkpoint"),
  SESSION_UNRECORDED("session-unrecorded"),
  FEEDBACK("feedback"),
  // backends, the store, config
  COOLDOWN("cooldown"),
  BREAKER("breaker"),
  WINDOW("window"),
  STORE("store"),
  ROUTES_REPLACED("routes-replaced"),
  ROUTES_RELOADED("routes-reloaded"),
  ROUTES_RELOAD_REJECTED("routes-reload-rejected");

  private static final Map<String, EventType> BY_ID = new HashMap<>();

  static {
    for (EventType t : values()) BY_ID.put(t.id, t);
  }

  private final String id;

  EventType(String id) {
    this.id = id;
  }

  /** The name in logs, metrics labels, the admin API and stored session events. */
  public String id() {
    return id;
  }

  /** The type named {@code id}; null for a name the gateway does not emit. */
  public static EventType of(String id) {
    return BY_ID.get(id);
  }

  @Override
  public String toString() {
    return id;
  }
}
