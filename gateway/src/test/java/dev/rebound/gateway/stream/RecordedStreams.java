package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.WireFormat;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Realistic upstream streams, shaped like what OpenAI and Anthropic send, and helpers to cut and read them; shared by
 * the stream tests of every wire format.
 */
public final class RecordedStreams {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordedStreams() {}

  public static String openAiChunk(String id, long created, String delta, String finishReason) {
    return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
        + ",\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[{\"index\":0,\"delta\":"
        + delta + ",\"logprobs\":null,\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"")
        + "}]}\n\n";
  }

  public static String openAiText(String id, long created, String text) {
    return openAiChunk(id, created, "{\"content\":\"" + text + "\"}", null);
  }

  public static String openAiUsage(String id, long created, int completionTokens) {
    return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
        + ",\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[],\"usage\":"
        + "{\"prompt_tokens\":31,\"completion_tokens\":" + completionTokens + ",\"total_tokens\":" + (31 + completionTokens)
        + "}}\n\n";
  }

  /** What the client got before the cut: role chunk, 3 content deltas (one with multi-byte text), a keep-alive. */
  public static String openAiOriginalCut() {
    String id = "chatcmpl-AaBbCc";
    long created = 1731000000L;
    return openAiChunk(id, created, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)
        + openAiText(id, created, "The café ")
        + ": OPENROUTER PROCESSING\n\n"
        + openAiText(id, created, "serves 日本 ")
        + openAiText(id, created, "tea 🍵 and");
  }

  /** The continuation upstream sends: its own id and created, its own role chunk, a finish chunk, usage, [DONE]. */
  public static String openAiContinuation() {
    String id = "chatcmpl-XxYyZz";
    long created = 1731000042L;
    return openAiChunk(id, created, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)
        + openAiText(id, created, " coffee")
        + openAiText(id, created, " all day.")
        + openAiChunk(id, created, "{}", "stop")
        + openAiUsage(id, created, 5)
        + "data: [DONE]\n\n";
  }

  public static String anthropic(String event, String json) {
    return "event: " + event + "\ndata: " + json + "\n\n";
  }

  public static String messageStart(String id) {
    return anthropic("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,"
        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":0,\"output_tokens\":2}}}");
  }

  public static String blockStart(int index, String block) {
    return anthropic("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
        + ",\"content_block\":" + block + "}");
  }

  public static String textStart(int index) {
    return blockStart(index, "{\"type\":\"text\",\"text\":\"\"}");
  }

  public static String textDelta(int index, String text) {
    return anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
        + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
  }

  public static String blockStop(int index) {
    return anthropic("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
  }

  public static String ping() {
    return anthropic("ping", "{\"type\": \"ping\"}");
  }

  public static String messageDelta(String stopReason, int outputTokens) {
    return anthropic("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
        + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
  }

  public static String messageStop() {
    return anthropic("message_stop", "{\"type\":\"message_stop\"}");
  }

  public static String overloaded() {
    return anthropic("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
  }

  /** A closed thinking block, then an open text block with 3 deltas: the cut leaves " " the prefill cannot hold. */
  public static String anthropicOriginalCut() {
    return messageStart("msg_01Original")
        + blockStart(0, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}")
        + ping()
        + anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The user wants a menu.\"}}")
        + anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3h\"}}")
        + blockStop(0)
        + textStart(1)
        + textDelta(1, "The café ")
        + textDelta(1, "serves 日本 ")
        + textDelta(1, "tea 🍵 and ");
  }

  /** What Anthropic streams after the prefill "The café serves 日本 tea 🍵 and": its text restarts at index 0. */
  public static String anthropicContinuation() {
    return messageStart("msg_02Continuation")
        + textStart(0)
        + ping()
        + textDelta(0, " coffee")
        + textDelta(0, " all day.")
        + blockStop(0)
        + messageDelta("end_turn", 6)
        + messageStop();
  }

  public static List<SseEvent> parse(String stream) {
    return new SseParser().feed(Buffer.buffer(stream));
  }

  /** Relays the continuation through the splicer the way the gateway does, observing what the client gets. */
  public static String relayContinuation(StreamSplicer splicer, StreamTranscript transcript, String continuation) {
    StringBuilder client = new StringBuilder();
    for (SseEvent e : parse(continuation)) {
      for (SseEvent out : splicer.spliceEvents(e)) {
        transcript.observe(out);
        client.append(out.raw());
      }
    }
    return client.toString();
  }

  public static StreamTranscript observed(WireFormat format, String stream) {
    StreamTranscript t = format.transcript(JSON.createObjectNode());
    for (SseEvent e : parse(stream)) t.observe(e);
    return t;
  }

  /** Splices the continuation after the original the way the gateway would; returns everything the client got. */
  public static String clientStream(WireFormat format, String originalCut, String continuation) {
    StreamTranscript transcript = observed(format, originalCut);
    return originalCut + relayContinuation(transcript.splicer(), transcript, continuation);
  }

  public static ObjectNode jsonObject(String data) {
    return (ObjectNode) json(data);
  }

  public static JsonNode json(String data) {
    try {
      return JSON.readTree(data);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + data, e);
    }
  }

  public static List<String> dataOf(List<SseEvent> events) {
    List<String> out = new ArrayList<>();
    for (SseEvent e : events) out.add(e.data());
    return out;
  }
}
