package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.rebound.routing.Protocol;

/**
 * What the client has received so far of one streamed answer, for one protocol: enough to decide whether a cut stream
 * can be continued, to build the continuation request, and to splice the continuation in.
 *
 * <p>Not thread-safe: one instance per streamed answer, fed from the connection's event loop. After a continuation,
 * keep observing the spliced events ({@link StreamSplicer#spliceEvents}) so a second cut can be continued too.
 */
public final class StreamTranscript {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Choice indexes past this are ignored (the front door accepts n up to 128). */
  static final int MAX_CHOICES = 128;

  private final Protocol protocol;
  private final StringBuilder text = new StringBuilder();
  private String responseId;
  private String model;
  private long created = -1;
  private String stopReason;
  private final int choices;
  private final java.util.BitSet choicesSeen = new java.util.BitSet();
  private final java.util.BitSet choicesFinished = new java.util.BitSet();
  private boolean usageSeen;
  private TokenUsage usage = TokenUsage.NONE;
  private boolean hasContent;
  private boolean complete;
  private boolean endedCleanly;
  // OpenAI: tool call deltas carry no end marker of their own; only finish_reason closes them
  private boolean toolCallsSeen;
  // Anthropic: blocks are strictly sequential, so the open block is the only one a delta can belong to
  private int blockCount;
  private int openIndex = -1;
  private String openType;

  private StreamTranscript(Protocol protocol, int choices) {
    this.protocol = protocol;
    this.choices = choices;
  }

  public static StreamTranscript of(Protocol protocol) {
    return of(protocol, 1);
  }

  /** @param choices how many choices the request asked for (OpenAI {@code n}); each must finish for a stop reason */
  public static StreamTranscript of(Protocol protocol, int choices) {
    if (protocol == null) throw new IllegalArgumentException("protocol is required");
    return new StreamTranscript(protocol, Math.max(1, choices));
  }

  /** Call for each event that was relayed to the client, in order. */
  public void observe(SseEvent e) {
    if (protocol == Protocol.OPENAI) observeOpenAi(e);
    else observeAnthropic(e);
  }

  /**
   * Call when the upstream response ended normally (no reset, no timeout): an OpenAI-compatible stream that sent its
   * finish_reason and then closed without {@code [DONE]} (some servers do) then counts as complete.
   */
  public void markEndedCleanly() {
    endedCleanly = true;
  }

  public Protocol protocol() {
    return protocol;
  }

  /** Assistant text so far: OpenAI the concatenated delta.content of choice 0; Anthropic the text of all text blocks. */
  public String partialText() {
    return text.toString();
  }

  /** A tool call has started and the stream has not completed it: its arguments are half-sent, so no continuation. */
  public boolean toolCallInProgress() {
    if (protocol == Protocol.OPENAI) return toolCallsSeen && stopReason() == null;
    return openType != null && openType.endsWith("tool_use"); // tool_use, server_tool_use, mcp_tool_use
  }

  /** OpenAI: saw [DONE], or a finish_reason and then a clean end; Anthropic: saw message_stop. */
  public boolean complete() {
    if (protocol == Protocol.OPENAI) return complete || (stopReason() != null && endedCleanly);
    return complete;
  }

  /** At least one content delta (text, refusal, reasoning, thinking or tool call) reached the client. */
  public boolean hasContent() {
    return hasContent;
  }

  public String responseId() {
    return responseId;
  }

  public String model() {
    return model;
  }

  /**
   * The finish_reason (OpenAI) or message_delta stop_reason (Anthropic) the client received, null while none. When it
   * is set but {@link #complete()} is not, the answer is whole and only the stream's tail is missing: the gateway can
   * end the stream itself instead of asking for a continuation.
   */
  public String stopReason() {
    // n > 1: only once every choice asked for has finished (one not begun yet is not one that is done)
    if (protocol == Protocol.OPENAI && (!choicesFinished.equals(choicesSeen) || choicesFinished.cardinality() < choices)) {
      return null;
    }
    return stopReason;
  }

  /** OpenAI: a chunk with usage was seen (sent last when the request asks for stream_options.include_usage). */
  public boolean usageSeen() {
    return usageSeen;
  }

  /** The tokens the stream reported so far (OpenAI's usage chunk; Anthropic's message_start and message_delta). */
  public TokenUsage usage() {
    return usage;
  }

  /** Rough output size: characters/4 of {@link #partialText()}, for lowering max_tokens of a continuation. */
  public int outputTokensEstimate() {
    return (text.length() + 3) / 4;
  }

  /** OpenAI: {@code created} of the first chunk, -1 when unknown. */
  long created() {
    return created;
  }

  /** Anthropic: the index the next content block gets. */
  int blockCount() {
    return blockCount;
  }

  /** Anthropic: index of the block started but not stopped, -1 when none. */
  int openBlockIndex() {
    return openIndex;
  }

  /** Anthropic: type of the open block (text, thinking, tool_use, ...), null when none. */
  String openBlockType() {
    return openType;
  }

  private void observeOpenAi(SseEvent e) {
    String data = e.data();
    if (data == null) return; // comment
    if (e.isDone()) {
      complete = true;
      return;
    }
    // every chunk may carry content, so every chunk is parsed
    JsonNode chunk = readTree(data);
    if (chunk == null || chunk.has("error")) return; // an error event is not part of the answer
    JsonNode reported = chunk.get("usage");
    if (reported != null && reported.isObject()) {
      usageSeen = true;
      usage = usage.with(protocol, reported);
    }
    if (responseId == null) {
      responseId = chunk.path("id").textValue();
      model = chunk.path("model").textValue();
      created = chunk.path("created").asLong(-1);
    }
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.path("delta");
      if (delta.path("tool_calls").size() > 0) {
        toolCallsSeen = true;
        hasContent = true;
      }
      int index = choice.path("index").asInt(0);
      // the index is the upstream's word: a huge or negative one must not size the bit sets (clients may ask for 128)
      if (index < 0 || index >= MAX_CHOICES) continue;
      choicesSeen.set(index);
      String finish = choice.path("finish_reason").textValue();
      if (finish != null) {
        choicesFinished.set(index);
        stopReason = finish;
      }
      if (index != 0) continue; // n > 1: only the first choice is continued
      String content = delta.path("content").textValue();
      if (content != null && !content.isEmpty()) {
        text.append(content);
        hasContent = true;
      } else if (nonEmpty(delta, "refusal") || nonEmpty(delta, "reasoning_content") || nonEmpty(delta, "reasoning")) {
        hasContent = true;
      }
    }
  }

  private void observeAnthropic(SseEvent e) {
    String name = e.event();
    if (name == null) return; // comment
    // only the events that change the transcript are parsed; deltas only when they carry text
    switch (name) {
      case "message_start" -> {
        JsonNode message = path(e, "message");
        usage = usage.with(protocol, message.get("usage"));
        if (responseId == null) {
          responseId = message.path("id").textValue();
          model = message.path("model").textValue();
        }
      }
      case "content_block_start" -> {
        JsonNode start = readTree(e.data());
        if (start == null) return;
        openIndex = start.path("index").asInt(blockCount);
        blockCount = Math.max(blockCount, openIndex + 1);
        JsonNode block = start.path("content_block");
        openType = block.path("type").asText("");
        String initial = block.path("text").textValue();
        if ("text".equals(openType) && initial != null && !initial.isEmpty()) {
          text.append(initial);
          hasContent = true;
        }
      }
      case "content_block_delta" -> {
        hasContent = true;
        if ("text".equals(openType)) {
          JsonNode delta = path(e, "delta");
          if ("text_delta".equals(delta.path("type").textValue())) text.append(delta.path("text").asText(""));
        }
      }
      case "content_block_stop" -> {
        openIndex = -1;
        openType = null;
      }
      case "message_delta" -> {
        JsonNode delta = readTree(e.data());
        if (delta == null) return;
        String reason = delta.path("delta").path("stop_reason").textValue();
        if (reason != null) stopReason = reason;
        usage = usage.with(protocol, delta.get("usage"));
      }
      case "message_stop" -> complete = true;
      default -> {
        // ping, error and event types added later change nothing the gateway relies on
      }
    }
  }

  private static boolean nonEmpty(JsonNode node, String field) {
    String value = node.path(field).textValue();
    return value != null && !value.isEmpty();
  }

  private static JsonNode path(SseEvent e, String field) {
    JsonNode node = readTree(e.data());
    return node == null ? MissingNode.getInstance() : node.path(field);
  }

  /** The event's JSON, null when it is missing or malformed (a broken upstream chunk teaches nothing). */
  static JsonNode readTree(String data) {
    if (data == null) return null;
    try {
      return JSON.readTree(data);
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
