package dev.rebound.gateway.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.store.ResponseJob;

/**
 * The Responses {@code response} object of a background job, as a client reads it: the latest one its run produced
 * (or one made from its request while none has), with the job's id and status; a failed job carries its error.
 */
final class JobResponseObject {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Request fields a response repeats, as OpenAI's does (SDKs read them back). */
  private static final String[] ECHOED = {"instructions", "max_output_tokens", "parallel_tool_calls", "reasoning",
      "temperature", "text", "tool_choice", "tools", "top_p", "truncation", "metadata", "store", "user",
      "prompt_cache_key"};

  private JobResponseObject() {}

  static ObjectNode of(ResponseJob job) {
    ObjectNode r = parse(job.response());
    if (r == null) r = fromRequest(job);
    r.put("id", job.id());
    r.put("object", "response");
    r.put("background", true);
    r.put("status", job.status());
    if (ResponseJob.FAILED.equals(job.status()) && !r.path("error").isObject()) {
      r.set("error", error("server_error", job.reason() == null ? "the background response failed" : job.reason()));
    }
    return r;
  }

  static ObjectNode error(String code, String message) {
    return JSON.createObjectNode().put("code", code).put("message", message);
  }

  /** The object before any run answered: the request's settings echoed, no output. */
  static ObjectNode fromRequest(ResponseJob job) {
    JsonNode request = parse(job.request());
    ObjectNode r = JSON.createObjectNode().put("id", job.id()).put("object", "response")
        .put("created_at", job.createdAt().getEpochSecond()).put("status", job.status()).put("background", true);
    r.putNull("error");
    r.putNull("incomplete_details");
    r.put("model", request == null ? "" : request.path("model").asText(""));
    r.putArray("output");
    for (String field : ECHOED) {
      JsonNode v = request == null ? null : request.get(field);
      if (v != null) r.set(field, v.deepCopy());
    }
    if (!r.has("instructions")) r.putNull("instructions");
    if (!r.has("metadata")) r.putObject("metadata");
    if (!r.has("tools")) r.putArray("tools");
    if (!r.has("tool_choice")) r.put("tool_choice", "auto");
    if (!r.has("parallel_tool_calls")) r.put("parallel_tool_calls", true);
    if (!r.has("temperature")) r.putNull("temperature");
    if (!r.has("top_p")) r.putNull("top_p");
    r.putNull("usage");
    return r;
  }

  static ObjectNode parse(String json) {
    if (json == null) return null;
    try {
      return JSON.readTree(json) instanceof ObjectNode o ? o : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
