package dev.rebound.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.Result;
import dev.rebound.gateway.pipeline.Step;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.responses.ResponsesItems;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.StoredResponse;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The Responses API's state by id, kept in the session store. On the way in: {@code previous_response_id} goes on from
 * the session and turn that response answered (its stored history is prepended to the input, as a resume does, and the
 * field is not sent upstream: the backend keeps no responses of the gateway's); a request to keep ({@code store}, true
 * by default) that names no session starts one. The session step then binds and stores the turn like any other. On the
 * way out, after the session step stored the answer and before the client sees the end: the response is kept by its
 * id ({@link StoredResponse}: the session, the turn, the response object) for {@code GET /v1/responses/{id}} and the
 * next {@code previous_response_id}, through any gateway on the same store.
 */
public final class ResponseState implements Step {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The prefix of the sessions the gateway starts for responses kept without a session id of the client's. */
  static final String SESSION_PREFIX = "responses-";

  private final CheckpointStore store;
  private final Clock clock;

  public ResponseState(CheckpointStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Whether the response is to be kept: {@code store} is true unless the request says false. */
  static boolean keeps(JsonNode request) {
    JsonNode store = request.get("store");
    return store == null || !store.isBoolean() || store.booleanValue();
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    if (ex.endpoint() != Endpoint.RESPONSES) return Future.succeededFuture();
    String previous = ex.json().path("previous_response_id").textValue();
    if (previous == null) {
      if (keeps(ex.json()) && ex.sessionId() == null) {
        String id = SESSION_PREFIX + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        ex.continueInSession(id);
        ex.emit(EventType.SESSION, "store: the response is kept as the first turn of session " + id
            + " (no session id came with the request)", Map.of("session", id));
      }
      return Future.succeededFuture();
    }
    return store.response(ex.tenant(), previous)
        .recover(err -> Future.failedFuture(new GatewayException(unavailable(previous, err))))
        .compose(kept -> kept == null ? Future.failedFuture(notFound(previous, "")) : ResponseHistory.find(store, kept)
            .recover(err -> Future.failedFuture(new GatewayException(unavailable(previous, err))))
            .compose(found -> {
              if (found == null) {
                return Future.failedFuture(notFound(previous, " (its session " + kept.sessionId()
                    + " no longer holds it)"));
              }
              List<JsonNode> history = found.history();
              prepend(ex, history);
              // the session that holds it; going on from an answer the session has gone past is a branch: a session
              // of its own, so the session's later turns stay as they are
              String session = found.latest() ? found.sessionId() : branchOf(found.sessionId());
              if (ex.sessionId() == null) ex.continueInSession(session);
              Map<String, Object> fields = new LinkedHashMap<>();
              fields.put("previousResponseId", previous);
              fields.put("session", found.sessionId());
              fields.put("turn", kept.turn());
              ex.emit(EventType.RESUME, "previous_response_id " + previous + ": prepended the " + history.size()
                  + " stored message(s) of session " + found.sessionId() + " up to turn " + kept.turn()
                  + (found.latest() ? "" : "; the session went on past it, so this branch is session " + session),
                  fields);
              return Future.<Void>succeededFuture();
            }));
  }

  /** {@code <id>.branch-<time>}, within the 128 characters of a session id. */
  private String branchOf(String id) {
    String suffix = ".branch-" + Long.toString(clock.millis(), 36);
    return (id.length() + suffix.length() > 128 ? id.substring(0, 128 - suffix.length()) : id) + suffix;
  }

  /** The stored history, as input items, before the request's own input; previous_response_id is not sent upstream. */
  private static void prepend(Exchange ex, List<JsonNode> history) {
    ObjectNode send = ex.jsonToSend().deepCopy();
    ArrayNode input = ResponsesItems.toItems(history);
    input.addAll(ResponsesItems.input(ex.jsonToSend()));
    send.remove("previous_response_id");
    send.set("input", input);
    ex.sendInstead(send);
  }

  /** As OpenAI answers it, so SDKs and agents that start over on this code do. */
  static GatewayException notFound(String id, String why) {
    return new GatewayException(new ClientError(400, "invalid_request_error", "invalid_request_error",
        "previous_response_not_found", "previous_response_id", "Previous response with id '" + id + "' not found"
        + why + ". Send the whole conversation as input, or continue from a response this gateway kept (store: true)."));
  }

  private static ClientError unavailable(String id, Throwable err) {
    return new ClientError(503, "api_error", "server_error", "store_unavailable", "previous_response_id",
        "The session store cannot be read (" + err.getMessage() + "), so response '" + id
        + "' cannot be continued now; retry shortly, or send the whole conversation as input.");
  }

  @Override
  public Future<Void> onResponse(Exchange ex) {
    if (ex.endpoint() != Endpoint.RESPONSES || !keeps(ex.json()) || ex.session() == null) {
      return Future.succeededFuture();
    }
    JsonNode response = answer(ex);
    if (response == null) return Future.succeededFuture();
    // a background job's run answers under the job's id, the one its client polls and goes on from
    String id = ex.responseId() != null ? ex.responseId() : response.path("id").textValue();
    if (id == null) return Future.succeededFuture();
    if (!StoredResponse.validId(id)) {
      ex.emit(EventType.SESSION_UNRECORDED, "response id '" + id + "' cannot be kept (it must match "
          + StoredResponse.ID.pattern() + "); its turn is stored, GET and previous_response_id will not find it", Map.of());
      return Future.succeededFuture();
    }
    ObjectNode kept = response.deepCopy();
    kept.put("id", id);
    if (ex.responseId() != null) kept.put("background", true);
    kept.set("previous_response_id", ex.json().get("previous_response_id"));
    StoredResponse record = new StoredResponse(ex.tenant(), id, ex.session().key().id(), ex.session().turn(),
        kept.toString(), clock.instant());
    return store.putResponse(record)
        .onSuccess(v -> ex.emit(EventType.CHECKPOINT, "response " + id + " kept: turn " + record.turn() + " of session "
            + record.sessionId(), Map.of("responseId", id, "session", record.sessionId(), "turn", record.turn())))
        .recover(err -> {
          ex.emit(EventType.SESSION_UNRECORDED, "response " + id + " could not be kept (" + err.getMessage()
              + "); its turn is stored, GET and previous_response_id will not find it", Map.of("responseId", id));
          return Future.succeededFuture();
        });
  }

  /** The response object the client got: a whole answer's body, or what the stream's terminal event carried. */
  private static JsonNode answer(Exchange ex) {
    Result r = ex.result();
    if (r instanceof Result.Answered a && a.status() < 300) {
      try {
        JsonNode body = JSON.readTree(a.body().getBytes());
        return body != null && body.isObject() ? body : null;
      } catch (java.io.IOException e) {
        return null;
      }
    }
    if (r instanceof Result.Streamed || r instanceof Result.ClientGone g && g.answerWhole()) {
      return ex.reply().transcript().answer();
    }
    return null;
  }
}
