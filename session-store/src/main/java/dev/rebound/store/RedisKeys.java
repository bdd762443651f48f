package dev.rebound.store;

import java.util.List;

/**
 * Redis key names (DESIGN.md). The {@code {tenant:id}} hash tag puts every key of a session in one cluster slot, so
 * one Lua script can touch them all. The tenant's listing index is a separate key (another slot).
 *
 * @param events    the session's events, one stream entry per write of them ({@code event.lua})
 * @param oldEvents the events as versions before 2026-12-06 kept them, one stream entry per event: still read, kept
 *                  alive and deleted with the session, never written (a session from before an upgrade keeps them)
 */
record RedisKeys(String meta, String msgs, String cps, String events, String oldEvents, String index) {

  static RedisKeys of(SessionKey key) {
    String base = "rb:{" + key.tenant() + ":" + key.id() + "}";
    return new RedisKeys(base + ":meta", base + ":msgs", base + ":cps", base + ":ev", base + ":events",
        index(key.tenant()));
  }

  static String index(String tenant) {
    return "rb:idx:" + tenant;
  }

  /** A kept Responses API response (its own key: any slot). */
  static String response(String tenant, String responseId) {
    return "rb:resp:" + tenant + ":" + responseId;
  }

  /** The session's own keys, in the order write.lua expects them. */
  List<String> session() {
    return List.of(meta, msgs, cps, events, oldEvents);
  }
}
