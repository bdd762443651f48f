package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A whole Chat Completions answer as a Responses {@code response}: reasoning a reasoning item, the text a message item,
 * each tool call a function_call item (call_id = the call's id; custom tools' calls custom_tool_call items).
 */
public final class ChatToResponsesAnswer {
  private ChatToResponsesAnswer() {}

  public static ObjectNode translate(JsonNode clientRequest, JsonNode chat) {
    return translate(clientRequest, chat, Instant.now().getEpochSecond());
  }

  static ObjectNode translate(JsonNode clientRequest, JsonNode chat, long now) {
    ResponsesTools tools = new ResponsesTools(clientRequest);
    String model = chat.path("model").asText(clientRequest.path("model").asText(""));
    ObjectNode response = ResponseObjects.response(ResponseObjects.responseId(chat.path("id").textValue()),
        chat.path("created").asLong(now), model, "completed", clientRequest);
    ArrayNode output = (ArrayNode) response.get("output");
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    String reasoning = message.path("reasoning_content").textValue();
    if (reasoning == null) reasoning = message.path("reasoning").textValue();
    if (reasoning != null && !reasoning.isEmpty()) output.add(ResponseObjects.reasoning(ResponseObjects.id("rs_"), reasoning));
    String text = message.path("content").textValue();
    String refusal = message.path("refusal").textValue();
    if (refusal != null && !refusal.isEmpty()) text = text == null ? refusal : text + refusal;
    if (text != null && !text.isEmpty()) output.add(ResponseObjects.message(ResponseObjects.id("msg_"), "completed", text));
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      JsonNode arguments = function.get("arguments");
      String args = arguments == null || arguments.isNull() ? "{}" : arguments.isTextual() ? arguments.textValue() : arguments.toString();
      ResponsesTools.Declared tool = tools.of(function.path("name").asText(""));
      String callId = call.path("id").asText(ResponseObjects.id("call_"));
      output.add(ResponseObjects.toolCall(ResponseObjects.id(tool.custom() ? "ctc_" : "fc_"), callId, tool, args, "completed"));
    }
    ResponseObjects.finish(response, choice.path("finish_reason").textValue());
    response.set("usage", ResponseObjects.usage(chat.get("usage")));
    return response;
  }
}
