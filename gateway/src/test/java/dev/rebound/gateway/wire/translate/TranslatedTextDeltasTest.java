package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.StreamFixtures.parse;
import static dev.rebound.gateway.wire.translate.StreamFixtures.raw;
import static dev.rebound.gateway.wire.translate.StreamFixtures.translate;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The text deltas that make up most of a translated stream are read from their bytes and written from a prepared head,
 * without trees. Each such delta must come out exactly as the tree reading writes it: every test here sends the same
 * random texts once in the plain shape (the byte reading) and once in a shape only the tree reading takes (an unnamed
 * Anthropic event, a choice index written as a string), and compares the two streams byte for byte.
 */
class TranslatedTextDeltasTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1731000000L), ZoneOffset.UTC);
  private static final JsonNode OPENAI_CLIENT = json("{\"model\":\"gpt-4o\",\"stream\":true}");
  private static final JsonNode ANTHROPIC_CLIENT = json("{\"model\":\"claude-sonnet-4-5\",\"stream\":true}");
  /** Characters JSON escapes, or that UTF-8 writes in several bytes, or that are broken halves of a pair. */
  private static final char[] ODD = {'"', '\\', '/', '\n', '\r', '\t', '\b', '\f', 0, 1, 0x1f, 0x7f, 'é', 'ß', '中',
      '\u2028', '\u2029', '\uFEFF', '\uD83D', '\uDE00', '\uD800', '\uDFFF'};

  @Test
  void anthropicTextAndThinkingDeltasReadFromBytesBecomeTheChunksTheTreeReadingWrites() {
    Random random = new Random(20261205);
    for (int round = 0; round < 300; round++) {
      List<String> texts = texts(random);
      boolean escapeAll = random.nextBoolean();
      String fast = stream(texts, escapeAll, true);
      String tree = stream(texts, escapeAll, false);
      List<SseEvent> out = translate(new MessagesToChatStream(OPENAI_CLIENT, CLOCK), fast);
      assertEquals(ascii(raw(translate(new MessagesToChatStream(OPENAI_CLIENT, CLOCK), tree))), ascii(raw(out)), "texts " + ascii(texts.toString()));
      // and each delta is the chunk as a tree writes it, on the wire (UTF-8: a broken pair is written as '?')
      List<String> chunks = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        String text = escapeAll ? texts.get(i) : wire(texts.get(i)); // the stream in was UTF-8 too
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-msg_1").put("object", "chat.completion.chunk")
            .put("created", 1731000000L).put("model", "m");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put(i < texts.size() / 3 ? "reasoning_content" : "content", text);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        chunks.add(wire(chunk.toString()));
      }
      assertEquals(ascii(chunks.toString()),
          ascii(out.subList(1, 1 + texts.size()).stream().map(e -> wire(e.data())).toList().toString()), "texts " + ascii(texts.toString()));
    }
  }

  @Test
  void openAiTextChunksReadFromBytesBecomeTheDeltasTheTreeReadingWrites() {
    Random random = new Random(5122026);
    for (int round = 0; round < 300; round++) {
      List<String> texts = texts(random);
      boolean escapeAll = random.nextBoolean();
      String fast = chatStream(texts, escapeAll, true);
      String tree = chatStream(texts, escapeAll, false);
      String out = raw(translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), fast));
      assertEquals(ascii(raw(translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), tree))), ascii(out), "texts " + ascii(texts.toString()));
      assertEquals(texts.size() + 6, parse(out).size(), "start, ping, block start, a delta per text (every text here"
          + " has a character), block stop, message_delta, message_stop");
    }
  }

  @Test
  void openAiTextChunksReadFromBytesBecomeTheResponsesTextDeltasTheTreeReadingWrites() {
    Random random = new Random(1205);
    for (int round = 0; round < 300; round++) {
      List<String> texts = texts(random);
      boolean escapeAll = random.nextBoolean();
      JsonNode client = json("{\"model\":\"gpt-4o\",\"stream\":true}");
      List<SseEvent> out = translate(new ChatToResponsesStream(client, CLOCK), chatStream(texts, escapeAll, true));
      List<SseEvent> tree = translate(new ChatToResponsesStream(client, CLOCK), chatStream(texts, escapeAll, false));
      // item ids are random: the same stream but for them
      assertEquals(ascii(withoutIds(raw(tree))), ascii(withoutIds(raw(out))), "texts " + ascii(texts.toString()));
      List<String> expected = new ArrayList<>();
      List<String> deltas = new ArrayList<>();
      for (SseEvent e : out) {
        if (!"response.output_text.delta".equals(e.event())) continue;
        JsonNode read = json(e.data());
        ObjectNode delta = JSON.createObjectNode().put("type", "response.output_text.delta")
            .put("item_id", read.path("item_id").asText()).put("output_index", 0).put("content_index", 0)
            .put("delta", escapeAll ? texts.get(deltas.size()) : wire(texts.get(deltas.size())));
        delta.putArray("logprobs");
        delta.put("sequence_number", read.path("sequence_number").asInt());
        expected.add(wire(delta.toString()));
        deltas.add(wire(e.data()));
      }
      assertEquals(ascii(expected.toString()), ascii(deltas.toString()), "texts " + ascii(texts.toString()));
    }
  }

  private static String withoutIds(String events) {
    return events.replaceAll("\"(msg|resp)_[0-9a-f]{32}\"", "\"$1_\"");
  }

  @Test
  void aChunkWithMoreThanTextIsLeftToTheTreeReading() {
    // a chunk that also finishes, or also reports usage, or carries a refusal next to the text: the tree reads it whole
    String stream = "data: {\"id\":\"chatcmpl-1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
        + "\"assistant\",\"content\":\"a\"}}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\",\"refusal\":\"no\"}}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"
        + "data: [DONE]\n\n";
    String out = raw(translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), stream));
    String expected = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
        + "\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n"
        + "event: ping\ndata: {\"type\":\"ping\"}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        + "{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + delta("a") + delta("b") + delta("no") + delta("c")
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
        + "\"stop_sequence\":null},\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
        + "\"output_tokens\":4}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    assertEquals(expected, out);
  }

  private static String delta(String text) {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
        + "\"text_delta\",\"text\":\"" + text + "\"}}\n\n";
  }

  /** An Anthropic stream of the texts: thinking first, then text; named events, or unnamed ones for the tree. */
  private static String stream(List<String> texts, boolean escapeAll, boolean named) {
    StringBuilder s = new StringBuilder();
    s.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\","
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n");
    for (int i = 0; i < texts.size(); i++) {
      boolean thinking = i < texts.size() / 3;
      String type = thinking ? "thinking_delta" : "text_delta";
      String field = thinking ? "thinking" : "text";
      // the fields in either order: the byte reading must not depend on it
      String delta = i % 2 == 0
          ? "{\"type\":\"" + type + "\",\"" + field + "\":" + quote(texts.get(i), escapeAll) + "}"
          : "{\"" + field + "\":" + quote(texts.get(i), escapeAll) + ", \"type\" : \"" + type + "\"}";
      String data = "{\"type\":\"content_block_delta\",\"index\":" + (thinking ? 0 : 1) + ",\"delta\":" + delta + "}";
      s.append(named ? "event: content_block_delta\n" : "").append("data: ").append(data).append("\n\n");
    }
    s.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
        + "\"usage\":{\"output_tokens\":9}}\n\n");
    s.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    return s.toString();
  }

  /** An OpenAI stream of the texts, choice 0 numbered as a number, or as a string for the tree. */
  private static String chatStream(List<String> texts, boolean escapeAll, boolean plainIndex) {
    StringBuilder s = new StringBuilder();
    String head = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        + "\"system_fingerprint\":null,\"choices\":[{\"index\":";
    s.append("data: ").append(head).append("0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
        + "\"finish_reason\":null}]}\n\n");
    for (String text : texts) {
      s.append("data: ").append(head).append(plainIndex ? "0" : "\"0\"").append(",\"delta\":{\"content\":")
          .append(quote(text, escapeAll)).append("},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    s.append("data: ").append(head).append("0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
    s.append("data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}\n\n");
    s.append("data: [DONE]\n\n");
    return s.toString();
  }

  private static List<String> texts(Random random) {
    List<String> texts = new ArrayList<>();
    int n = 1 + random.nextInt(12);
    for (int i = 0; i < n; i++) {
      StringBuilder text = new StringBuilder();
      int length = 1 + random.nextInt(20);
      for (int k = 0; k < length; k++) {
        text.append(random.nextInt(3) == 0 ? ODD[random.nextInt(ODD.length)] : (char) ('a' + random.nextInt(26)));
      }
      texts.add(text.toString());
    }
    return texts;
  }

  /** The text as a JSON string: as Jackson writes it, or with every character past ASCII letters as a \\u escape. */
  private static String quote(String text, boolean escapeAll) {
    if (!escapeAll) {
      ObjectNode holder = JSON.createObjectNode().put("t", text);
      String json = holder.toString();
      return json.substring("{\"t\":".length(), json.length() - 1);
    }
    StringBuilder s = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if ((c >= 'a' && c <= 'z') || c == ' ') s.append(c);
      else s.append(String.format("\\u%04x", (int) c));
    }
    return s.append('"').toString();
  }

  private static String wire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /** Text a failure report can show: everything outside printable ASCII as a \\u escape (broken pairs included). */
  private static String ascii(String text) {
    StringBuilder s = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c >= 0x20 && c < 0x7f) s.append(c);
      else s.append(String.format("\\u%04x", (int) c));
    }
    return s.toString();
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
