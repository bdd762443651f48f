package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.upstream.JsonSplice;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.buffer.Buffer;

/** What one attempt sends: the client's bytes with only the model swapped, unless the gateway had to change them. */
final class UpstreamBody {
  private UpstreamBody() {}

  /** The backend's path for the client's endpoint, with the client's query string. */
  static String uri(Exchange ex, BackendConfig backend) {
    String query = ex.query();
    return backend.basePath() + ex.endpoint().path() + (query == null || query.isEmpty() ? "" : "?" + query);
  }

  /**
   * @param fitted     what the context step fitted to this agent; null when it changed nothing or did not run
   * @param continuing the attempt asks for the rest of an answer the client already has part of
   */
  static Buffer of(Exchange ex, AgentDefinition agent, ContextFit.Send fitted, boolean continuing) {
    boolean changed = fitted != null && fitted.json() != null;
    ObjectNode json = changed ? fitted.json() : ex.jsonToSend();
    Buffer bytes = changed ? fitted.body() : ex.bodyToSend();
    Reply reply = ex.reply();
    if (continuing && reply.eventsRelayed() && !reply.transcript().partialText().isBlank()) {
      ObjectNode body = ex.format().continuation(json, reply.transcript());
      body.put("model", agent.model());
      return Buffer.buffer(body.toString());
    }
    if (agent.model().equals(ex.model())) return bytes;
    Buffer spliced = JsonSplice.replaceTopLevelString(bytes, "model", agent.model());
    if (spliced != null) return spliced;
    ObjectNode copy = json.deepCopy();
    copy.put("model", agent.model());
    return Buffer.buffer(copy.toString());
  }
}
