package dev.rebound.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.wire.responses.ResponsesItems;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.SessionKey;
import dev.rebound.store.StoredMessage;
import dev.rebound.store.StoredResponse;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a kept response stands in its session: the session's complete messages up to and including its answer (the
 * assistant turn that carries its id). The record names the turn; the answer is looked for there first, then anywhere
 * in the session (a restore or a compaction moves turns), so a session that no longer holds it says so.
 */
final class ResponseHistory {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ResponseHistory() {}

  /** How many of the tenant's most recent sessions are looked through for the forks of a response's session. */
  static final int SESSIONS_SCANNED = 1000;

  /**
   * Where a response's answer was found: the session (or fork of it), its history up to and including the answer, and
   * whether that answer is still the session's latest (else going on from it is a branch).
   */
  record Found(String sessionId, List<JsonNode> history, boolean latest) {}

  /**
   * The stored history up to and including the response's answer; a null result when no session holds it any more. A
   * client that went on from an earlier response (a branch) made its session fork: the answer is then in a fork
   * ({@code <id>.fork-<time>}), newest first.
   */
  static Future<Found> find(CheckpointStore store, StoredResponse response) {
    return in(store, response.session(), response).compose(found -> {
      if (found != null) return Future.succeededFuture(found);
      String forks = response.sessionId() + ".fork-";
      return store.list(response.tenant(), 0, SESSIONS_SCANNED).compose(all -> {
        Future<Found> next = Future.succeededFuture(null);
        for (var meta : all) {
          if (!meta.key().id().startsWith(forks)) continue;
          next = next.compose(f -> f != null ? Future.succeededFuture(f) : in(store, meta.key(), response));
        }
        return next;
      });
    });
  }

  private static Future<Found> in(CheckpointStore store, SessionKey key, StoredResponse response) {
    return store.meta(key).compose(meta -> meta == null ? Future.succeededFuture(null)
        : store.messages(key, 0, meta.messageCount()).map(all -> {
          List<JsonNode> history = cut(all, response);
          long complete = all.stream().filter(m -> !m.partial()).count();
          return history == null ? null : new Found(key.id(), history, history.size() >= complete);
        }));
  }

  static List<JsonNode> cut(List<StoredMessage> all, StoredResponse response) {
    List<JsonNode> complete = new ArrayList<>(all.size());
    int at = -1;
    int answers = 0;
    for (StoredMessage m : all) {
      if (m.partial()) continue;
      JsonNode parsed = parse(m.json());
      if (parsed == null) continue;
      complete.add(parsed);
      if (!"assistant".equals(m.role())) continue;
      answers++;
      if (answers == response.turn() && answers(parsed, response.id())) at = complete.size() - 1;
    }
    if (at < 0) {
      for (int i = complete.size() - 1; i >= 0 && at < 0; i--) if (answers(complete.get(i), response.id())) at = i;
    }
    return at < 0 ? null : complete.subList(0, at + 1);
  }

  private static boolean answers(JsonNode message, String responseId) {
    return responseId.equals(message.path(ResponsesItems.RESPONSE_ID).textValue());
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      return null; // an unreadable stored message is no part of any history sent again
    }
  }
}
