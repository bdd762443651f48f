package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import java.util.Iterator;
import java.util.List;

/** Chat Completions: same id / created / model on every chunk, no second role, no chunks left empty. */
final class OpenAiSplicer extends StreamSplicer {
  private final String id;
  private final long created;
  private final String model;
  private final boolean clientHasRole;
  private final int earlierTokens;

  OpenAiSplicer(OpenAiTranscript original) {
    id = original.responseId();
    created = original.created();
    model = original.model();
    clientHasRole = original.responseId() != null; // the first chunk is the one that carries the role
    earlierTokens = original.outputTokensEstimate();
  }

  @Override
  public List<SseEvent> spliceEvents(SseEvent e) {
    if (e.data() == null || e.isDone()) return List.of(e); // comments and [DONE] pass as received
    ObjectNode chunk = readObject(e);
    if (chunk == null || chunk.has("error")) return List.of(e);
    if (id != null && chunk.has("id")) chunk.put("id", id);
    if (created >= 0 && chunk.has("created")) chunk.put("created", created);
    if (model != null && chunk.has("model")) chunk.put("model", model);

    boolean keep = false;
    JsonNode usage = chunk.get("usage");
    if (usage instanceof ObjectNode) {
      keep = true;
      // report the whole answer's output: what the client already got (estimated) plus the continuation's
      add((ObjectNode) usage, "completion_tokens", earlierTokens);
      add((ObjectNode) usage, "total_tokens", earlierTokens);
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.hasNonNull("finish_reason")) keep = true;
      JsonNode delta = choice.get("delta");
      if (!(delta instanceof ObjectNode)) continue;
      if (clientHasRole) ((ObjectNode) delta).remove("role");
      if (!isEmpty(delta)) keep = true;
    }
    return keep ? List.of(SseEvent.of(null, write(chunk))) : List.of();
  }

  /** A delta with nothing the client can use: no fields, or only null / "" / [] ones (e.g. {"content":""}). */
  private static boolean isEmpty(JsonNode delta) {
    for (Iterator<JsonNode> it = delta.elements(); it.hasNext(); ) {
      JsonNode v = it.next();
      if (!(v.isNull() || (v.isTextual() && v.textValue().isEmpty()) || (v.isArray() && v.size() == 0))) return false;
    }
    return true;
  }
}
