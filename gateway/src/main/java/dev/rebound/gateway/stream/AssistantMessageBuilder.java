package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds the assistant message a stream carried, as the client will send it back in its history: text, tool calls
 * with their arguments, and (Anthropic) thinking blocks with their signatures. Fed the events the client received.
 */
public final class AssistantMessageBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Protocol protocol;
  // Anthropic: blocks by index
  private final TreeMap<Integer, Block> blocks = new TreeMap<>();
  // OpenAI: text and tool calls by index
  private final StringBuilder text = new StringBuilder();
  private final TreeMap<Integer, Call> calls = new TreeMap<>();

  public AssistantMessageBuilder(Protocol protocol) {
    this.protocol = protocol;
  }

  private static final class Block {
    String type;
    final ObjectNode start;
    final StringBuilder text = new StringBuilder();
    final StringBuilder json = new StringBuilder();
    final StringBuilder signature = new StringBuilder();

    Block(ObjectNode start) {
      this.start = start;
      this.type = start.path("type").asText();
    }
  }

  private static final class Call {
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();
  }

  public void observe(SseEvent e) {
    if (e.data() == null || e.data().equals("[DONE]") || e.data().isBlank()) return;
    JsonNode d;
    try {
      d = JSON.readTree(e.data());
    } catch (java.io.IOException ex) {
      return;
    }
    if (protocol == Protocol.ANTHROPIC) observeAnthropic(d);
    else observeOpenAi(d);
  }

  private void observeAnthropic(JsonNode d) {
    String type = d.path("type").asText();
    int index = d.path("index").asInt(-1);
    switch (type) {
      case "content_block_start" -> {
        JsonNode cb = d.get("content_block");
        if (cb != null && cb.isObject()) blocks.put(index, new Block(((ObjectNode) cb).deepCopy()));
      }
      case "content_block_delta" -> {
        Block b = blocks.get(index);
        if (b == null) return;
        JsonNode delta = d.path("delta");
        switch (delta.path("type").asText()) {
          case "text_delta" -> b.text.append(delta.path("text").asText());
          case "input_json_delta" -> b.json.append(delta.path("partial_json").asText());
          case "thinking_delta" -> b.text.append(delta.path("thinking").asText());
          case "signature_delta" -> b.signature.append(delta.path("signature").asText());
          default -> { }
        }
      }
      default -> { }
    }
  }

  private void observeOpenAi(JsonNode d) {
    JsonNode delta = d.path("choices").path(0).path("delta");
    if (delta.isMissingNode()) return;
    JsonNode content = delta.get("content");
    if (content != null && content.isTextual()) text.append(content.textValue());
    for (JsonNode tc : delta.path("tool_calls")) {
      Call c = calls.computeIfAbsent(tc.path("index").asInt(0), k -> new Call());
      if (tc.hasNonNull("id")) c.id = tc.get("id").asText();
      JsonNode f = tc.path("function");
      if (f.hasNonNull("name")) c.name = f.get("name").asText();
      if (f.hasNonNull("arguments")) c.arguments.append(f.get("arguments").asText());
    }
  }

  /** The assistant message in the protocol's request shape. */
  public String message() {
    ObjectNode m = JSON.createObjectNode().put("role", "assistant");
    if (protocol == Protocol.ANTHROPIC) {
      ArrayNode content = m.putArray("content");
      for (Block b : blocks.values()) {
        ObjectNode out = b.start.deepCopy();
        switch (b.type) {
          case "text" -> out.put("text", b.text.toString());
          case "thinking" -> {
            out.put("thinking", b.text.toString());
            out.put("signature", b.signature.toString());
          }
          case "tool_use", "server_tool_use" -> {
            try {
              out.set("input", b.json.length() == 0 ? JSON.createObjectNode() : JSON.readTree(b.json.toString()));
            } catch (java.io.IOException e) {
              out.put("input", b.json.toString());
            }
          }
          default -> { }
        }
        content.add(out);
      }
    } else {
      m.put("content", calls.isEmpty() || text.length() > 0 ? text.toString() : null);
      if (!calls.isEmpty()) {
        ArrayNode tcs = m.putArray("tool_calls");
        for (Call c : calls.values()) {
          ObjectNode t = tcs.addObject().put("id", c.id).put("type", "function");
          t.putObject("function").put("name", c.name).put("arguments", c.arguments.toString());
        }
      }
    }
    return m.toString();
  }

  List<Integer> blockIndexes() {
    return new ArrayList<>(blocks.keySet());
  }
}
