package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

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
    if (!e.hasData()) return; // comment
    if (e.isDone()) {
      ended();
      return;
    }
    // every chunk may carry content, so every chunk is read: streamed, for the few fields this needs, no tree
    Chunk chunk;
    try (JsonParser p = e.jsonParser()) {
      chunk = Chunk.read(p);
    } catch (IOException malformed) {
      return; // a broken upstream chunk teaches nothing
    }
    if (chunk == null || chunk.error) return; // an error event is not part of the answer
    if (chunk.usage != null && chunk.usage.isObject()) {
      usageReportSeen();
      reported(format.usage(usage(), chunk.usage));
    }
    if (responseId() == null) {
      identify(chunk.id, chunk.model);
      created = chunk.created;
    }
    for (Choice choice : chunk.choices) {
      if (choice.toolCalls) {
        toolCallsSeen = true;
        contentSeen();
      }
      int index = choice.index;
      // the index is the upstream's word: a huge or negative one must not size the bit sets (clients may ask for 128)
      if (index < 0 || index >= OpenAiChat.MAX_CHOICES) continue;
      choicesSeen.set(index);
      if (choice.finish != null) {
        choicesFinished.set(index);
        stopped(choice.finish);
      }
      if (index != 0) continue; // n > 1: only the first choice is continued
      if (choice.content != null && !choice.content.isEmpty()) {
        appendText(choice.content);
      } else if (choice.otherContent) {
        contentSeen();
      }
    }
  }

  /** What one chunk says that the transcript needs, read token by token. */
  private static final class Chunk {
    boolean error;
    String id;
    String model;
    long created = -1;
    JsonNode usage;
    final List<Choice> choices = new ArrayList<>(1);

    /** Null when the data is not a JSON object. */
    static Chunk read(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      Chunk c = new Chunk();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "error" -> {
            c.error = true;
            return c;
          }
          case "id" -> c.id = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "model" -> c.model = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "created" -> c.created = t.isNumeric() ? p.getValueAsLong(-1) : -1;
          case "usage" -> c.usage = t == JsonToken.START_OBJECT ? SseEvent.tree(p) : null;
          case "choices" -> {
            if (t != JsonToken.START_ARRAY) {
              p.skipChildren();
              continue;
            }
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
              if (t == JsonToken.START_OBJECT) c.choices.add(Choice.read(p));
              else p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      return c;
    }
  }

  /** One choice of a chunk: its index, finish_reason and what its delta carries. */
  private static final class Choice {
    int index;
    String finish;
    String content;
    boolean toolCalls;
    boolean otherContent;

    /** Reads the choice object the parser has just entered, up to its end. */
    static Choice read(JsonParser p) throws IOException {
      Choice c = new Choice();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "index" -> c.index = t.isNumeric() ? p.getValueAsInt(0) : 0;
          case "finish_reason" -> c.finish = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "delta" -> {
            if (t == JsonToken.START_OBJECT) c.readDelta(p);
            else p.skipChildren();
          }
          default -> p.skipChildren();
        }
      }
      return c;
    }

    private void readDelta(JsonParser p) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "content" -> content = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "tool_calls" -> {
            // present and not empty: a tool call is being streamed
            if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
              JsonToken first = p.nextToken();
              if (first != JsonToken.END_ARRAY && first != JsonToken.END_OBJECT) {
                toolCalls = true;
                p.skipChildren();
                while ((first = p.nextToken()) != JsonToken.END_ARRAY && first != JsonToken.END_OBJECT) p.skipChildren();
              }
            }
          }
          case "refusal", "reasoning_content", "reasoning" -> {
            if (t == JsonToken.VALUE_STRING && !p.getText().isEmpty()) otherContent = true;
            else p.skipChildren();
          }
          default -> p.skipChildren();
        }
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
