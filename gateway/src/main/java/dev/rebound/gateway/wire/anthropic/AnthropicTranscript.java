package dev.rebound.gateway.wire.anthropic;

import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;

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
    // only the events that change the transcript are read, each in one pass over its bytes for the few fields needed
    switch (name) {
      case "message_start" -> messageStart(e);
      case "content_block_start" -> blockStart(e);
      case "content_block_delta" -> {
        contentSeen();
        // its text is read only when a cut asks for it (or the deferred bytes pile up): nothing else a text block's
        // delta says matters to the transcript
        if ("text".equals(openType)) defer(e);
      }
      case "content_block_stop" -> {
        openIndex = -1;
        openType = null;
      }
      case "message_delta" -> messageDelta(e);
      case "message_stop" -> ended();
      default -> {
        // ping, error and event types added later change nothing the gateway relies on
      }
    }
  }

  /** A text block's delta: its text, if it is a text_delta. */
  @Override
  protected void readDeferred(SseEvent e) {
    String text = textDelta(e);
    if (text != null) appendText(text);
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

  private static final byte[] MESSAGE = JsonCursor.ascii("message");
  private static final byte[] ID = JsonCursor.ascii("id");
  private static final byte[] MODEL = JsonCursor.ascii("model");
  private static final byte[] USAGE = JsonCursor.ascii("usage");
  private static final byte[] INDEX = JsonCursor.ascii("index");
  private static final byte[] CONTENT_BLOCK = JsonCursor.ascii("content_block");
  private static final byte[] STOP_REASON = JsonCursor.ascii("stop_reason");
  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] TYPE = JsonCursor.ascii("type");
  private static final byte[] TEXT = JsonCursor.ascii("text");
  private static final byte[] TEXT_DELTA = JsonCursor.ascii("text_delta");

  /** {@code message_start}: the prompt's usage, and the message's id and model. */
  private void messageStart(SseEvent e) {
    String id = null;
    String model = null;
    TokenUsage reported = usage();
    try {
      JsonCursor p = e.jsonCursor();
      if (p == null || !p.enterObject()) return;
      while (p.nextField()) {
        if (!p.fieldIs(MESSAGE) || !p.enterObject()) {
          p.skipValue();
          continue;
        }
        while (p.nextField()) {
          if (p.fieldIs(ID)) id = p.stringOrNull();
          else if (p.fieldIs(MODEL)) model = p.stringOrNull();
          else if (p.fieldIs(USAGE)) reported = format.usage(reported, p);
          else p.skipValue();
        }
      }
    } catch (JsonCursor.Malformed malformed) {
      return; // a broken event teaches nothing
    }
    reported(reported);
    if (responseId() == null) identify(id, model);
  }

  /** {@code content_block_start}: which block is open now, of what type, and the text it starts with. */
  private void blockStart(SseEvent e) {
    long index = -1;
    String type = null;
    String initial = null;
    try {
      JsonCursor p = e.jsonCursor();
      if (p == null || !p.enterObject()) return;
      while (p.nextField()) {
        if (p.fieldIs(INDEX)) {
          index = p.longOr(-1);
        } else if (p.fieldIs(CONTENT_BLOCK) && p.enterObject()) {
          while (p.nextField()) {
            if (p.fieldIs(TYPE)) type = p.stringOrNull();
            else if (p.fieldIs(TEXT)) initial = p.stringOrNull();
            else p.skipValue();
          }
        } else {
          p.skipValue();
        }
      }
    } catch (JsonCursor.Malformed malformed) {
      return;
    }
    // an index the upstream left out (or sent out of range) is the next one
    openIndex = index >= 0 && index < Integer.MAX_VALUE ? (int) index : blockCount;
    blockCount = Math.max(blockCount, openIndex + 1);
    openType = type == null ? "" : type;
    if ("text".equals(openType) && initial != null && !initial.isEmpty()) appendText(initial);
  }

  /** {@code message_delta}: the stop reason and the output's usage so far. */
  private void messageDelta(SseEvent e) {
    String reason = null;
    TokenUsage reported = usage();
    try {
      JsonCursor p = e.jsonCursor();
      if (p == null || !p.enterObject()) return;
      while (p.nextField()) {
        if (p.fieldIs(DELTA) && p.enterObject()) {
          while (p.nextField()) {
            if (p.fieldIs(STOP_REASON)) reason = p.stringOrNull();
            else p.skipValue();
          }
        } else if (p.fieldIs(USAGE)) {
          reported = format.usage(reported, p);
        } else {
          p.skipValue();
        }
      }
    } catch (JsonCursor.Malformed malformed) {
      return;
    }
    if (reason != null) stopped(reason);
    reported(reported);
  }

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
}
