package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;

/**
 * A Messages stream as the client received it: the text of all text blocks (thinking is not text), and which block
 * the cut left open, for the splicer to carry on from.
 */
final class AnthropicTranscript extends StreamTranscript {
  private final AnthropicMessages format;
  // blocks are strictly sequential, so the open block is the only one a delta can belong to
  private int blockCount;
  private int openIndex = -1;
  private String openType;

  AnthropicTranscript(AnthropicMessages format) {
    this.format = format;
  }

  @Override
  public void observe(SseEvent e) {
    String name = e.event();
    if (name == null) return; // comment
    // only the events that change the transcript are parsed; deltas only when they carry text
    switch (name) {
      case "message_start" -> {
        JsonNode message = path(e, "message");
        reported(format.usage(usage(), message.get("usage")));
        if (responseId() == null) identify(message.path("id").textValue(), message.path("model").textValue());
      }
      case "content_block_start" -> {
        JsonNode start = e.json();
        if (start == null) return;
        openIndex = start.path("index").asInt(blockCount);
        blockCount = Math.max(blockCount, openIndex + 1);
        JsonNode block = start.path("content_block");
        openType = block.path("type").asText("");
        String initial = block.path("text").textValue();
        if ("text".equals(openType) && initial != null && !initial.isEmpty()) appendText(initial);
      }
      case "content_block_delta" -> {
        contentSeen();
        if ("text".equals(openType)) {
          String text = textDelta(e);
          if (text != null) appendText(text);
        }
      }
      case "content_block_stop" -> {
        openIndex = -1;
        openType = null;
      }
      case "message_delta" -> {
        JsonNode delta = e.json();
        if (delta == null) return;
        String reason = delta.path("delta").path("stop_reason").textValue();
        if (reason != null) stopped(reason);
        reported(format.usage(usage(), delta.get("usage")));
      }
      case "message_stop" -> ended();
      default -> {
        // ping, error and event types added later change nothing the gateway relies on
      }
    }
  }

  /** An open tool_use, server_tool_use or mcp_tool_use block. */
  @Override
  public boolean toolCallInProgress() {
    return openType != null && openType.endsWith("tool_use");
  }

  @Override
  public StreamSplicer splicer() {
    return new AnthropicSplicer(this);
  }

  /** The index the next content block gets. */
  int blockCount() {
    return blockCount;
  }

  /** Index of the block started but not stopped, -1 when none. */
  int openBlockIndex() {
    return openIndex;
  }

  /** Type of the open block (text, thinking, tool_use, ...), null when none. */
  String openBlockType() {
    return openType;
  }

  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] TYPE = JsonCursor.ascii("type");
  private static final byte[] TEXT = JsonCursor.ascii("text");
  private static final byte[] TEXT_DELTA = JsonCursor.ascii("text_delta");

  /**
   * The text of a {@code text_delta}, read in one pass over the event's bytes (the event that comes by the hundred: no
   * tree, no parser); null for any other delta or a malformed event.
   */
  private static String textDelta(SseEvent e) {
    try {
      JsonCursor p = e.jsonCursor();
      if (p == null || !p.enterObject()) return null;
      while (p.nextField()) {
        if (!p.fieldIs(DELTA) || !p.enterObject()) {
          p.skipValue();
          continue;
        }
        boolean textDelta = false;
        String text = null;
        while (p.nextField()) {
          if (p.fieldIs(TYPE)) textDelta = p.stringIs(TEXT_DELTA);
          else if (p.fieldIs(TEXT)) text = p.stringOrNull();
          else p.skipValue();
        }
        return textDelta ? (text == null ? "" : text) : null;
      }
      return null;
    } catch (JsonCursor.Malformed malformed) {
      return null;
    }
  }

  private static JsonNode path(SseEvent e, String field) {
    JsonNode node = e.json();
    return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node.path(field);
  }
}
