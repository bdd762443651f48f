package dev.rebound.gateway.reply;

import io.vertx.core.MultiMap;
import java.util.Map;

/**
 * The gateway's own headers on a reply, as one value: which agent answered, by which route, after how many attempts,
 * in which session turn, what the context step did, which recoveries hid a failure, and when to retry after a give-up.
 * Each field is null (or empty) when it does not apply, and is then left out.
 */
public record ReplyHeaders(String agent, String route, int attempts, String session, String context,
    Map<String, Integer> recoveries, Long retryAfterSeconds) {

  public MultiMap toMultiMap() {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    if (agent != null) m.add("x-rebound-agent", agent);
    if (route != null) m.add("x-rebound-route", route);
    m.add("x-rebound-attempts", String.valueOf(attempts));
    if (session != null) m.add("x-rebound-session", session);
    if (context != null) m.add("x-rebound-context", context);
    if (recoveries != null && !recoveries.isEmpty()) {
      StringBuilder r = new StringBuilder();
      recoveries.forEach((k, v) -> r.append(r.length() == 0 ? "" : ",").append(k).append(':').append(v));
      m.add("x-rebound-recovery", r.toString());
    }
    if (retryAfterSeconds != null) m.add("retry-after", String.valueOf(retryAfterSeconds));
    return m;
  }
}
