package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
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
  /** Content has reached the client: later chunks are deferred (see {@link StreamTranscript#defer}). */
  private boolean deferring;

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
    if (deferring) {
      // past the first content, a chunk is read only when a cut asks for the text (or the deferred bytes pile up): a
      // finished stream is asked only for its end, seen above, and its usage, which only a chunk with a usage object
      // can change (OpenAI sends "usage":null in every chunk when the usage is asked for, and the object in the last)
      if (e.dataHasObjectMember("usage")) {
        Chunk chunk = read(e, false);
        if (chunk != null) readUsage(chunk);
      }
      defer(e);
      return;
    }
    Chunk chunk = read(e, responseId() == null);
    if (chunk == null) return;
    readUsage(chunk);
    readChoices(chunk);
    deferring = hasContent();
  }

  /** A deferred chunk: all but its usage, which was read when it came. */
  @Override
  protected void readDeferred(SseEvent e) {
    Chunk chunk = read(e, responseId() == null);
    if (chunk != null) readChoices(chunk);
  }

  /** The chunk's few fields; null when it teaches nothing (not a JSON object, malformed, or an error chunk). */
  private static Chunk read(SseEvent e, boolean identify) {
    Chunk chunk;
    try {
      // a chunk read is read whole, in one pass over its bytes, for the few fields this needs
      chunk = Chunk.read(e.jsonCursor(), identify);
    } catch (JsonCursor.Malformed malformed) {
      return null; // a broken upstream chunk teaches nothing
    }
    return chunk == null || chunk.error ? null : chunk; // an error event is not part of the answer
  }

  private void readUsage(Chunk chunk) {
    if (chunk.usage != null && chunk.usage.isObject()) {
      usageReportSeen();
      reported(format.usage(usage(), chunk.usage));
    }
  }

  private void readChoices(Chunk chunk) {
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

  private static final byte[] ERROR = JsonCursor.ascii("error");
  private static final byte[] ID = JsonCursor.ascii("id");
  private static final byte[] MODEL = JsonCursor.ascii("model");
  private static final byte[] CREATED = JsonCursor.ascii("created");
  private static final byte[] USAGE = JsonCursor.ascii("usage");
  private static final byte[] CHOICES = JsonCursor.ascii("choices");
  private static final byte[] INDEX = JsonCursor.ascii("index");
  private static final byte[] FINISH_REASON = JsonCursor.ascii("finish_reason");
  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] CONTENT = JsonCursor.ascii("content");
  private static final byte[] TOOL_CALLS = JsonCursor.ascii("tool_calls");
  private static final byte[] REFUSAL = JsonCursor.ascii("refusal");
  private static final byte[] REASONING_CONTENT = JsonCursor.ascii("reasoning_content");
  private static final byte[] REASONING = JsonCursor.ascii("reasoning");

  /** What one chunk says that the transcript needs. */
  private static final class Chunk {
    boolean error;
    String id;
    String model;
    long created = -1;
    JsonNode usage;
    final List<Choice> choices = new ArrayList<>(1);

    /** Null when the data is not a JSON object; the id, model and created only when {@code identify}. */
    static Chunk read(JsonCursor p, boolean identify) {
      if (p == null || !p.enterObject()) return null;
      Chunk c = new Chunk();
      while (p.nextField()) {
        if (p.fieldIs(ERROR)) {
          c.error = true;
          return c;
        } else if (identify && p.fieldIs(ID)) {
          c.id = p.stringOrNull();
        } else if (identify && p.fieldIs(MODEL)) {
          c.model = p.stringOrNull();
        } else if (identify && p.fieldIs(CREATED)) {
          c.created = p.longOr(-1);
        } else if (p.fieldIs(USAGE)) {
          // once per stream at most: the usage object is read whole
          if (p.peek() == '{') c.usage = p.tree();
          else p.skipValue();
        } else if (p.fieldIs(CHOICES) && p.enterArray()) {
          while (p.nextElement()) {
            if (p.enterObject()) c.choices.add(Choice.read(p));
            else p.skipValue();
          }
        } else {
          p.skipValue();
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

    /** Reads the choice object the cursor has just entered, up to its end. */
    static Choice read(JsonCursor p) {
      Choice c = new Choice();
      while (p.nextField()) {
        if (p.fieldIs(INDEX)) {
          c.index = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, p.longOr(0)));
        } else if (p.fieldIs(FINISH_REASON)) {
          c.finish = p.stringOrNull();
        } else if (p.fieldIs(DELTA) && p.enterObject()) {
          c.readDelta(p);
        } else {
          p.skipValue();
        }
      }
      return c;
    }

    private void readDelta(JsonCursor p) {
      while (p.nextField()) {
        if (p.fieldIs(CONTENT)) {
          content = p.stringOrNull();
        } else if (p.fieldIs(TOOL_CALLS)) {
          // present and not empty: a tool call is being streamed
          if (p.nonEmptyContainer()) toolCalls = true;
        } else if (p.fieldIs(REFUSAL) || p.fieldIs(REASONING_CONTENT) || p.fieldIs(REASONING)) {
          if (p.nonEmptyString()) otherContent = true;
        } else {
          p.skipValue();
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
    catchUp();
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
    catchUp();
    if (!choicesFinished.equals(choicesSeen) || choicesFinished.cardinality() < choices) return null;
    return super.stopReason();
  }

  @Override
  public StreamSplicer splicer() {
    catchUp();
    return new OpenAiSplicer(this);
  }

  /** {@code created} of the first chunk, -1 when unknown. */
  long created() {
    catchUp();
    return created;
  }
}
