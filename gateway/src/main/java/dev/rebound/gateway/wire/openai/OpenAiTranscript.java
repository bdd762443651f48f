package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import java.util.BitSet;

/**
 * A Chat Completions stream as the client received it: the text of choice 0, and a stop reason only once every choice
 * asked for ({@code n}) has finished.
 */
final class OpenAiTranscript extends StreamTranscript {
  private final OpenAiChat format;
  private final int choices;
  private final BitSet choicesSeen = new BitSet();
  private final BitSet choicesFinished = new BitSet();
  private long created = -1;
  private boolean endedCleanly;
  // tool call deltas carry no end marker of their own; only finish_reason closes them
  private boolean toolCallsSeen;

  /** @param choices how many choices the request asked for ({@code n}); each must finish for a stop reason */
  OpenAiTranscript(OpenAiChat format, int choices) {
    this.format = format;
    this.choices = Math.max(1, choices);
  }

  @Override
  public void observe(SseEvent e) {
    String data = e.data();
    if (data == null) return; // comment
    if (e.isDone()) {
      ended();
      return;
    }
    // every chunk may carry content, so every chunk is parsed
    JsonNode chunk = e.json();
    if (chunk == null || chunk.has("error")) return; // an error event is not part of the answer
    JsonNode reported = chunk.get("usage");
    if (reported != null && reported.isObject()) {
      usageReportSeen();
      reported(format.usage(usage(), reported));
    }
    if (responseId() == null) {
      identify(chunk.path("id").textValue(), chunk.path("model").textValue());
      created = chunk.path("created").asLong(-1);
    }
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.path("delta");
      if (delta.path("tool_calls").size() > 0) {
        toolCallsSeen = true;
        contentSeen();
      }
      int index = choice.path("index").asInt(0);
      // the index is the upstream's word: a huge or negative one must not size the bit sets (clients may ask for 128)
      if (index < 0 || index >= OpenAiChat.MAX_CHOICES) continue;
      choicesSeen.set(index);
      String finish = choice.path("finish_reason").textValue();
      if (finish != null) {
        choicesFinished.set(index);
        stopped(finish);
      }
      if (index != 0) continue; // n > 1: only the first choice is continued
      String content = delta.path("content").textValue();
      if (content != null && !content.isEmpty()) {
        appendText(content);
      } else if (nonEmpty(delta, "refusal") || nonEmpty(delta, "reasoning_content") || nonEmpty(delta, "reasoning")) {
        contentSeen();
      }
    }
  }

  /** A stream that sent its finish_reason and then closed without {@code [DONE]} (some servers do) is complete. */
  @Override
  public void markEndedCleanly() {
    endedCleanly = true;
  }

  @Override
  public boolean toolCallInProgress() {
    return toolCallsSeen && stopReason() == null;
  }

  /** Saw [DONE], or a finish_reason and then a clean end. */
  @Override
  public boolean complete() {
    return super.complete() || (stopReason() != null && endedCleanly);
  }

  /** The finish_reason, once every choice asked for has finished (one not begun yet is not one that is done). */
  @Override
  public String stopReason() {
    if (!choicesFinished.equals(choicesSeen) || choicesFinished.cardinality() < choices) return null;
    return super.stopReason();
  }

  @Override
  public StreamSplicer splicer() {
    return new OpenAiSplicer(this);
  }

  /** {@code created} of the first chunk, -1 when unknown. */
  long created() {
    return created;
  }

  private static boolean nonEmpty(JsonNode node, String field) {
    String value = node.path(field).textValue();
    return value != null && !value.isEmpty();
  }
}
