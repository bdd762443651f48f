package dev.rebound.gateway.wire.translate;

import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.completions.CompletionUsage;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.ArrayList;
import java.util.List;

/**
 * What one streamed answer said, in terms both formats share, read back the way its reader reads it: the gateway's
 * transcript and message builder of the stream's format, or an official SDK's accumulated message. Two streams that
 * say the same thing give equal answers, whichever format each is in.
 *
 * @param reasoning the reasoning / thinking text, null where the reader keeps none (openai-java)
 * @param finish    why it stopped, in OpenAI's words (Anthropic's mapped); null while not stopped
 * @param prompt    the whole prompt's tokens (cache reads and writes included)
 * @param complete  the stream's end marker came
 */
record RebuiltAnswer(String reasoning, String text, List<Call> calls, String finish, long prompt, long cacheRead,
                     long output, boolean complete) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tool call, its arguments parsed (text when they are not JSON). */
  record Call(String id, String name, JsonNode arguments) {}

  /** Read as the gateway reads an OpenAI Chat stream; reasoning is joined from the deltas (the builder keeps none). */
  static RebuiltAnswer ofOpenAi(List<SseEvent> events, JsonNode request) {
    WireFormat format = WireFormats.OPENAI_CHAT;
    StreamTranscript transcript = format.transcript(request);
    AssistantMessageBuilder builder = format.messageBuilder();
    StringBuilder reasoning = new StringBuilder();
    for (SseEvent e : events) {
      transcript.observe(e);
      builder.observe(e);
      JsonNode chunk = e.isDone() ? null : e.json();
      if (chunk == null) continue;
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt() != 0) continue;
        JsonNode delta = choice.path("delta");
        String text = delta.path("reasoning_content").asText("");
        reasoning.append(text.isEmpty() ? delta.path("reasoning").asText("") : text);
      }
    }
    JsonNode message = read(builder.message());
    List<Call> calls = new ArrayList<>();
    for (JsonNode call : message.path("tool_calls")) {
      calls.add(new Call(call.path("id").textValue(), call.path("function").path("name").textValue(),
          arguments(call.path("function").path("arguments").asText())));
    }
    return new RebuiltAnswer(reasoning.toString(), message.path("content").asText(""), calls, transcript.stopReason(),
        prompt(transcript.usage()), transcript.usage().cacheRead(), transcript.usage().output(), transcript.complete());
  }

  /** Read as the gateway reads an Anthropic Messages stream. */
  static RebuiltAnswer ofAnthropic(List<SseEvent> events, JsonNode request) {
    WireFormat format = WireFormats.ANTHROPIC_MESSAGES;
    StreamTranscript transcript = format.transcript(request);
    AssistantMessageBuilder builder = format.messageBuilder();
    for (SseEvent e : events) {
      transcript.observe(e);
      builder.observe(e);
    }
    StringBuilder reasoning = new StringBuilder();
    StringBuilder text = new StringBuilder();
    List<Call> calls = new ArrayList<>();
    for (JsonNode block : read(builder.message()).path("content")) {
      switch (block.path("type").asText()) {
        case "thinking" -> reasoning.append(block.path("thinking").asText());
        case "text" -> text.append(block.path("text").asText());
        case "tool_use" -> calls.add(new Call(block.path("id").textValue(), block.path("name").textValue(),
            block.path("input")));
        default -> throw new AssertionError("unexpected block " + block);
      }
    }
    return new RebuiltAnswer(reasoning.toString(), text.toString(), calls, StopReasons.toOpenAi(transcript.stopReason()),
        prompt(transcript.usage()), transcript.usage().cacheRead(), transcript.usage().output(), transcript.complete());
  }

  /** The message anthropic-java accumulated from a whole stream. */
  static RebuiltAnswer ofAnthropicSdk(Message message) {
    StringBuilder reasoning = new StringBuilder();
    StringBuilder text = new StringBuilder();
    List<Call> calls = new ArrayList<>();
    for (ContentBlock block : message.content()) {
      block.thinking().ifPresent(t -> reasoning.append(t.thinking()));
      block.text().ifPresent(t -> text.append(t.text()));
      block.toolUse().ifPresent(t -> calls.add(new Call(t.id(), t.name(), sdkJson(t._input()))));
    }
    var usage = message.usage();
    long read = usage.cacheReadInputTokens().orElse(0L);
    long written = usage.cacheCreationInputTokens().orElse(0L);
    return new RebuiltAnswer(reasoning.toString(), text.toString(), calls,
        StopReasons.toOpenAi(message.stopReason().map(r -> r.asString()).orElse(null)),
        usage.inputTokens() + read + written, read, usage.outputTokens(), true);
  }

  /** The completion openai-java accumulated from a whole stream (it keeps no reasoning). */
  static RebuiltAnswer ofOpenAiSdk(ChatCompletion completion) {
    ChatCompletion.Choice choice = completion.choices().get(0);
    ChatCompletionMessage message = choice.message();
    List<Call> calls = new ArrayList<>();
    for (ChatCompletionMessageToolCall call : message.toolCalls().orElse(List.of())) {
      ChatCompletionMessageFunctionToolCall function = call.asFunction();
      calls.add(new Call(function.id(), function.function().name(), arguments(function.function().arguments())));
    }
    CompletionUsage usage = completion.usage().orElse(null);
    return new RebuiltAnswer(null, message.content().orElse(""), calls, choice.finishReason().asString(),
        usage == null ? 0 : usage.promptTokens(),
        usage == null ? 0 : usage.promptTokensDetails().flatMap(d -> d.cachedTokens()).orElse(0L),
        usage == null ? 0 : usage.completionTokens(), true);
  }

  /** The same answer without its reasoning, to compare with a reader that keeps none. */
  RebuiltAnswer withoutReasoning() {
    return new RebuiltAnswer(null, text, calls, finish, prompt, cacheRead, output, complete);
  }

  /** The same answer with no usage reported. */
  RebuiltAnswer withoutUsage() {
    return new RebuiltAnswer(reasoning, text, calls, finish, 0, 0, 0, complete);
  }

  private static long prompt(TokenUsage usage) {
    return usage.input() + usage.cacheRead() + usage.cacheWrite();
  }

  private static JsonNode arguments(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      return TextNode.valueOf(json);
    }
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  private static JsonNode sdkJson(com.anthropic.core.JsonValue value) {
    try {
      return JSON.readTree(com.anthropic.core.ObjectMappers.jsonMapper().writeValueAsString(value));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
