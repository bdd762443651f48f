package dev.rebound.mockllm;

import java.util.List;

/**
 * A streamed answer as ready-to-write SSE text. Only {@code chunks} count for pacing and for the
 * fault chunk counts; {@code head} goes out with the headers and {@code tail} after the last chunk.
 *
 * @param head   framing before the content (Anthropic message_start, content_block_start, ping)
 * @param chunks one SSE event per content piece (a word, or a slice of tool arguments)
 * @param tail   framing after the content (finish and usage chunks, [DONE], message_stop, ...)
 */
record SseScript(String head, List<String> chunks, String tail) {

  /** Frames a data-only event, as OpenAI sends them. */
  static String data(String json) {
    return "data: " + json + "\n\n";
  }

  /** Frames a named event, as Anthropic sends them. */
  static String event(String name, String json) {
    return "event: " + name + "\ndata: " + json + "\n\n";
  }
}
