package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.upstream.JsonSplice;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.gateway.wire.translate.ChatOutputLimit;
import dev.rebound.gateway.wire.translate.Translation;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * What one attempt sends: the client's bytes with only the model swapped, unless the gateway had to change them (a
 * fitted conversation, a continuation) or the backend speaks another wire format (then the request is translated).
 */
final class UpstreamBody {
  private UpstreamBody() {}

  /**
   * The backend's path for the client's endpoint, with the client's query string; a translated request goes to the
   * backend format's own endpoint, without the client's query (its parameters belong to the client's provider).
   */
  static String uri(Exchange ex, BackendConfig backend, Translation translation) {
    if (translation != null) return backend.basePath() + WireFormats.of(translation.backend()).endpoint().path();
    String query = ex.query();
    return backend.basePath() + ex.endpoint().path() + (query == null || query.isEmpty() ? "" : "?" + query);
  }

  /**
   * @param fitted      what the context step fitted to this agent; null when it changed nothing or did not run
   * @param continuing  the attempt asks for the rest of an answer the client already has part of
   * @param translation the translation to the agent's wire format; null when it speaks the client's
   * @param maxTokens   the output limit a translated request gets when the backend requires one and the client set none
   * @param dropped     told of each field a translation left out
   */
  static Buffer of(Exchange ex, AgentDefinition agent, ContextFit.Send fitted, boolean continuing,
      Translation translation, int maxTokens, Consumer<Translation.Dropped> dropped) {
    boolean changed = fitted != null && fitted.json() != null;
    ObjectNode json = changed ? fitted.json() : ex.jsonToSend();
    Buffer bytes = changed ? fitted.body() : ex.bodyToSend();
    Reply reply = ex.reply();
    boolean continues = continuing && reply.eventsRelayed() && !reply.transcript().partialText().isBlank();
    if (translation != null) {
      ObjectNode translated = translation.request(json, maxTokens, dropped);
      // the backend's own way to ask for the rest (Anthropic prefills, OpenAI asks to go on); the reply splices it
      if (continues) translated = WireFormats.of(translation.backend()).continuation(translated, reply.transcript());
      translated.put("model", agent.model());
      ChatOutputLimit.forModel(translated, translation.backend(), agent.model());
      return Buffer.buffer(translated.toString());
    }
    if (continues) {
      json = ex.format().continuation(json, reply.transcript());
      bytes = null;
    }
    // e.g. thinking the gateway made from another provider's reasoning, which Anthropic could not verify
    ObjectNode own = ex.format().withoutForeignReasoning(json);
    if (own != null) {
      json = own;
      bytes = null;
    }
    if (bytes == null) {
      ObjectNode copy = json.deepCopy();
      copy.put("model", agent.model());
      return Buffer.buffer(copy.toString());
    }
    if (agent.model().equals(ex.model())) return bytes;
    Buffer spliced = JsonSplice.replaceTopLevelString(bytes, "model", agent.model());
    if (spliced != null) return spliced;
    ObjectNode copy = json.deepCopy();
    copy.put("model", agent.model());
    return Buffer.buffer(copy.toString());
  }
}
