package dev.rebound.gateway.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's error object, {@code {"error":{"message","type","param","code"}}}: Chat Completions and the Responses API
 * answer errors the same way, so both formats write and recognise it here.
 */
public final class OpenAiErrorShape {
  private OpenAiErrorShape() {}

  public static String body(ClientError e) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", e.message());
    err.put("type", e.openAiType());
    err.put("param", e.param());
    err.put("code", e.code());
    return root.toString();
  }

  /** Whether a parsed body is such an error (an upstream's own words an OpenAI SDK understands). */
  public static boolean is(JsonNode body) {
    JsonNode err = body.get("error");
    return err != null && err.isObject() && err.has("message");
  }
}
