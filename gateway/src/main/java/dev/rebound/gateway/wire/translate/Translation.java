package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.function.Consumer;

/**
 * A client of one wire format served by a backend that speaks another: the request goes over into the backend's
 * format, the answer (whole or streamed) comes back in the client's. Stateless and shared; a stream gets its own
 * {@link StreamTranslator}. {@link Translations#between} hands out the one for a pair of protocols.
 */
public interface Translation {
  Protocol client();

  Protocol backend();

  /**
   * The client's request in the backend's format (a new tree; the client's is not changed). The model stays the
   * client's; the caller sets the agent's.
   *
   * @param defaultMaxTokens the output limit for a backend that requires one when the request names none
   * @param dropped          told the name of each field left out because the backend has nothing like it, and why
   * @throws dev.rebound.gateway.wire.GatewayException a 400 naming the field, when leaving it out would change the answer
   */
  ObjectNode request(ObjectNode clientRequest, int defaultMaxTokens, Consumer<Dropped> dropped);

  /** A whole (non-stream) backend answer in the client's format. */
  ObjectNode answer(JsonNode backendAnswer);

  /**
   * A whole backend answer in the client's format, for a translation that needs the client's request to write it
   * (a Responses answer echoes the request's settings and knows which tools were custom).
   */
  default ObjectNode answer(JsonNode clientRequest, JsonNode backendAnswer) {
    return answer(backendAnswer);
  }

  /**
   * A translator for one streamed answer to {@code clientRequest} (which says, e.g., whether the client asked for a
   * usage chunk): one per upstream attempt.
   */
  StreamTranslator stream(JsonNode clientRequest);

  /** A request field the backend has nothing like, left out. */
  record Dropped(String field, String why) {}
}
