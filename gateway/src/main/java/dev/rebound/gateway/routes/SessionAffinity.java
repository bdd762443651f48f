package dev.rebound.gateway.routes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which agent served each session's last turn, so the next turn goes there while it is healthy (its prompt cache is
 * warm). Bounded: the least recently used sessions are forgotten first.
 */
public final class SessionAffinity {
  private final Map<String, String> lastAgent;

  public SessionAffinity(int capacity) {
    this.lastAgent = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > capacity;
      }
    };
  }

  public synchronized int size() {
    return lastAgent.size();
  }

  public synchronized String lastAgent(String tenant, String sessionId) {
    return sessionId == null ? null : lastAgent.get(tenant + "\u0000" + sessionId);
  }

  /** Records who served; returns the previous agent when the session moved (a handoff), else null. */
  public synchronized String served(String tenant, String sessionId, String agent) {
    if (sessionId == null) return null;
    String previous = lastAgent.put(tenant + "\u0000" + sessionId, agent);
    return previous != null && !previous.equals(agent) ? previous : null;
  }
}
