package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A property over generated conversations: an Anthropic request taken to OpenAI Chat and back keeps its messages,
 * tool ids, tool inputs, images and text. What the trip is known to change is applied to the expectation: thinking
 * is left out, an error flag becomes "Error: " in the result's text, a tool result's text blocks become one string.
 */
class RoundTripTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int CONVERSATIONS = 300;

  @Test
  void anAnthropicRequestKeepsItsMessagesToolIdsInputsAndTextThroughOpenAiAndBack() {
    for (int seed = 0; seed < CONVERSATIONS; seed++) {
      ObjectNode request = new Conversation(new Random(seed)).request();
      List<Translation.Dropped> dropped = new ArrayList<>();
      ObjectNode openAi = MessagesToChatRequest.translate(request, 1000, dropped::add);
      ObjectNode back = ChatToMessagesRequest.translate(openAi, 1000, dropped::add);
      String context = "seed " + seed + "\nrequest: " + request + "\nOpenAI: " + openAi + "\nback: " + back;
      assertEquals(List.of(), dropped, context);
      assertEquals(expectedMessages(request), normalized(back.get("messages")), context);
      assertEquals(systemText(request.get("system")), back.path("system").asText(""), context);
      assertEquals(request.get("tools"), back.get("tools"), context);
      assertEquals(request.get("max_tokens"), back.get("max_tokens"), context);
    }
  }

  /** The request's messages as the trip must bring them back. */
  private static ArrayNode expectedMessages(ObjectNode request) {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode m : request.get("messages")) {
      ArrayNode blocks = NODES.arrayNode();
      for (JsonNode b : blocksOf(m.get("content"))) {
        switch (b.get("type").asText()) {
          case "thinking" -> { }
          case "tool_result" -> {
            String text = b.get("content").isTextual() ? b.get("content").asText() : joinedText(b.get("content"));
            if (b.path("is_error").asBoolean(false)) text = "Error: " + text;
            ObjectNode r = blocks.addObject().put("type", "tool_result").put("tool_use_id", b.get("tool_use_id").asText());
            if (!text.isEmpty()) r.put("content", text);
          }
          default -> blocks.add(b);
        }
      }
      out.addObject().put("role", m.get("role").asText()).set("content", blocks);
    }
    return out;
  }

  /** Messages with their content always as a list of blocks. */
  private static ArrayNode normalized(JsonNode messages) {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode m : messages) out.addObject().put("role", m.get("role").asText()).set("content", blocksOf(m.get("content")));
    return out;
  }

  private static ArrayNode blocksOf(JsonNode content) {
    if (content.isArray()) return (ArrayNode) content;
    ArrayNode one = NODES.arrayNode();
    one.addObject().put("type", "text").put("text", content.asText());
    return one;
  }

  private static String joinedText(JsonNode blocks) {
    List<String> texts = new ArrayList<>();
    for (JsonNode b : blocks) texts.add(b.get("text").asText());
    return String.join("\n\n", texts);
  }

  private static String systemText(JsonNode system) {
    if (system == null) return "";
    return system.isTextual() ? system.asText() : joinedText(system);
  }

  /** A random, valid Anthropic conversation: alternating roles, tool results answering the tool uses before them. */
  private static final class Conversation {
    private final Random random;
    private int ids;

    Conversation(Random random) {
      this.random = random;
    }

    ObjectNode request() {
      ObjectNode request = NODES.objectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 1 + random.nextInt(4000));
      if (random.nextBoolean()) {
        if (random.nextBoolean()) request.put("system", words());
        else {
          ArrayNode system = request.putArray("system");
          for (int i = 0; i <= random.nextInt(3); i++) system.addObject().put("type", "text").put("text", words());
        }
      }
      List<String> toolNames = List.of("Read", "Bash", "get_weather", "search");
      ArrayNode tools = NODES.arrayNode();
      for (String name : toolNames) {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        schema.putObject("properties").putObject("arg").put("type", "string");
        tools.addObject().put("name", name).put("description", "The " + name + " tool.").set("input_schema", schema);
      }
      request.set("tools", tools);
      ArrayNode messages = request.putArray("messages");
      List<String> pending = List.of();
      int turns = 1 + 2 * random.nextInt(5);
      for (int t = 0; t < turns; t++) {
        if (t % 2 == 0) messages.add(user(pending));
        else {
          List<String> calls = new ArrayList<>();
          messages.add(assistant(toolNames, calls));
          pending = calls;
        }
        if (t % 2 == 0) pending = List.of();
      }
      return request;
    }

    private ObjectNode user(List<String> toolUseIds) {
      ObjectNode m = NODES.objectNode().put("role", "user");
      if (toolUseIds.isEmpty() && random.nextInt(3) == 0) return m.put("content", words());
      ArrayNode blocks = m.putArray("content");
      for (String id : toolUseIds) {
        ObjectNode r = blocks.addObject().put("type", "tool_result").put("tool_use_id", id);
        if (random.nextBoolean()) r.put("content", words());
        else {
          ArrayNode content = r.putArray("content");
          for (int i = 0; i <= random.nextInt(2); i++) content.addObject().put("type", "text").put("text", words());
        }
        if (random.nextInt(4) == 0) r.put("is_error", true);
        if (random.nextInt(4) == 0) r.putObject("cache_control").put("type", "ephemeral");
      }
      int extra = toolUseIds.isEmpty() ? 1 + random.nextInt(3) : random.nextInt(3);
      for (int i = 0; i < extra; i++) {
        switch (random.nextInt(4)) {
          case 0 -> {
            ObjectNode image = blocks.addObject().put("type", "image");
            image.putObject("source").put("type", "base64").put("media_type", random.nextBoolean() ? "image/png" : "image/jpeg")
                .put("data", Integer.toHexString(random.nextInt()) + "AAAA==");
          }
          case 1 -> blocks.addObject().put("type", "image").putObject("source").put("type", "url")
              .put("url", "https://images.test/" + random.nextInt(1000) + ".png");
          default -> blocks.addObject().put("type", "text").put("text", words());
        }
      }
      return m;
    }

    private ObjectNode assistant(List<String> toolNames, List<String> calls) {
      ObjectNode m = NODES.objectNode().put("role", "assistant");
      if (random.nextInt(4) == 0) return m.put("content", words());
      ArrayNode blocks = m.putArray("content");
      if (random.nextBoolean()) {
        blocks.addObject().put("type", "thinking").put("thinking", words()).put("signature", "Eq" + random.nextLong());
      }
      int texts = random.nextInt(3);
      int uses = texts == 0 ? 1 + random.nextInt(3) : random.nextInt(3);
      for (int i = 0; i < texts; i++) blocks.addObject().put("type", "text").put("text", words());
      for (int i = 0; i < uses; i++) {
        String id = "toolu_" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36) + (ids++);
        calls.add(id);
        ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", id)
            .put("name", toolNames.get(random.nextInt(toolNames.size())));
        ObjectNode input = use.putObject("input");
        for (int k = 0; k < random.nextInt(4); k++) {
          switch (random.nextInt(4)) {
            case 0 -> input.put("arg" + k, words());
            case 1 -> input.put("n" + k, random.nextInt(1000) - 500);
            case 2 -> input.putArray("list" + k).add(words()).add(random.nextBoolean()).addNull();
            default -> input.putObject("nested" + k).put("deep", words()).put("x", random.nextDouble());
          }
        }
      }
      return m;
    }

    private String words() {
      String[] pool = {"hello", "the", "gateway", "reads", "\"quoted\"", "naïve", "日本語", "line\nbreak", "tab\there",
          "{json}", "Error:", "émoji 🚀", "back\\slash", "  spaced  "};
      StringBuilder s = new StringBuilder();
      for (int i = 0; i <= random.nextInt(8); i++) {
        if (i > 0) s.append(' ');
        s.append(pool[random.nextInt(pool.length)]);
      }
      return s.toString();
    }
  }
}
