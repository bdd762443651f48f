package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import java.util.TreeMap;

/** Messages: the content blocks by index (text, tool use with its input, thinking with its signature). */
final class AnthropicMessageBuilder extends AssistantMessageBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TreeMap<Integer, Block> blocks = new TreeMap<>();

  private static final class Block {
    final String type;
    final ObjectNode start;
    final StringBuilder text = new StringBuilder();
    final StringBuilder json = new StringBuilder();
    final StringBuilder signature = new StringBuilder();

    Block(ObjectNode start) {
      this.start = start;
      this.type = start.path("type").asText();
    }
  }

  @Override
  protected void observe(JsonNode d) {
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

  @Override
  public String message() {
    ObjectNode m = JSON.createObjectNode().put("role", "assistant");
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
          } catch (JsonProcessingException e) {
            out.put("input", b.json.toString());
          }
        }
        default -> { }
      }
      content.add(out);
    }
    return m.toString();
  }
}
