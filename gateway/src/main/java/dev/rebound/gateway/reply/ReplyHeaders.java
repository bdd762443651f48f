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

  /**
   * Sets these headers on {@code headers}, each replacing any header of that name already there (one the upstream also
   * sent, such as Retry-After or another gateway's x-rebound-*).
   */
  public void setOn(MultiMap headers) {
    if (agent != null) headers.set("x-rebound-agent", agent);
    if (route != null) headers.set("x-rebound-route", route);
    headers.set("x-rebound-attempts", String.valueOf(attempts));
    if (session != null) headers.set("x-rebound-session", session);
    if (context != null) headers.set("x-rebound-context", context);
    if (recoveries != null && !recoveries.isEmpty()) {
      StringBuilder r = new StringBuilder();
      recoveries.forEach((k, v) -> r.append(r.length() == 0 ? "" : ",").append(k).append(':').append(v));
      headers.set("x-rebound-recovery", r.toString());
    }
    if (retryAfterSeconds != null) headers.set("retry-after", String.valueOf(retryAfterSeconds));
  }
}
