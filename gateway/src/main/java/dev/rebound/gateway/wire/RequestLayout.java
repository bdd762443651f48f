package dev.rebound.gateway.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Where a format's request keeps what the gateway sizes, cuts and routes by: the system prompt, the messages and how
 * tool calls pair with their results, the output limit. Code that works on conversations (the cutter, the token
 * counter, routing's features) asks the layout instead of knowing the format.
 */
public interface RequestLayout {

  /** The system prompt kept outside the messages (Anthropic's top-level {@code system}); null when there is none. */
  JsonNode topLevelSystem(JsonNode request);

  /** A message that is system text (OpenAI's system and developer roles); never, where the system prompt is top-level. */
  boolean isSystemMessage(JsonNode message);

  /** Whether a user message opens a turn: it is more than tool results (which some formats send as user messages). */
  boolean opensTurn(JsonNode userMessage);

  /** The ids of the tool calls a message makes. */
  List<String> toolCallIds(JsonNode message);

  /** The ids of the tool calls a message answers. */
  List<String> toolResultIds(JsonNode message);

  /** A message that answers the one before it without ids (OpenAI's legacy function calling). */
  boolean answersPrevious(JsonNode previous, JsonNode message);

  /** The conversation must start with a user message: a cut that leaves an assistant message first needs a note. */
  boolean startsWithUser();

  /** The output limit the client asked for; null when it did not say. */
  Integer maxTokens(JsonNode request);

  /** Sets the output limit, in the field the client used. */
  void setMaxTokens(ObjectNode request, int value);

  /**
   * The conversation the context step counts and cuts: one element per message (Chat, Anthropic) or item (Responses'
   * {@code input}).
   */
  default JsonNode conversation(JsonNode request) {
    return request.path("messages");
  }

  /** Sends this conversation instead (a cut one, a resumed one). */
  default void setConversation(ObjectNode request, ArrayNode conversation) {
    request.set("messages", conversation);
  }

  /** The conversation as a session stores it, one message per turn part (Responses groups an answer's items). */
  default JsonNode sessionMessages(JsonNode request) {
    return conversation(request);
  }

  /** Sends the conversation these stored messages make (the inverse of {@link #sessionMessages}). */
  default void setSessionMessages(ObjectNode request, ArrayNode messages) {
    setConversation(request, messages);
  }

  /** Whether the session stores the conversation's elements one for one (a cut context then names them by index). */
  default boolean sessionMessagesAreConversation() {
    return true;
  }
}
