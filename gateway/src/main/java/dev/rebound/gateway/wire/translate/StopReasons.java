package dev.rebound.gateway.wire.translate;

/** Why an answer stopped, in each format's words; shared by whole answers and streams. */
final class StopReasons {
  private StopReasons() {}

  /** Anthropic's stop_reason as an OpenAI finish_reason; null stays null (not stopped yet). */
  static String toOpenAi(String anthropic) {
    if (anthropic == null) return null;
    return switch (anthropic) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /** OpenAI's finish_reason as an Anthropic stop_reason; null stays null (not stopped yet). */
  static String toAnthropic(String openAi) {
    if (openAi == null) return null;
    return switch (openAi) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn"; // stop, eos and what local servers invent
    };
  }
}
