package dev.rebound.gateway.wire.translate;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.ImageBlockParam;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolChoiceAuto;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlockParam;
import com.anthropic.models.messages.UrlImageSource;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Requests as the official SDKs build them, one per situation the translations must get right. Each is sent to a
 * recording upstream (mock-llm) and the body it received is the fixture {@code translation/<name>.request.json};
 * {@code <name>.translated.json} beside it is what the translation must make of it (checked by hand).
 */
enum SdkRequestSamples {
  ANTHROPIC_PLAIN_TEXT("anthropic-plain-text", List.of(), base -> anthropic(base).messages().create(
      MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(256)
          .addUserMessage("Hello, who are you?").build())),

  ANTHROPIC_SYSTEM_PROMPT("anthropic-system-prompt", List.of(), base -> anthropic(base).messages().create(
      MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(512)
          .system("You are a terse assistant. Answer in one sentence.")
          // anthropic-java 3.11 has no typed sampling setters; clients that still sample set them so
          .putAdditionalBodyProperty("temperature", com.anthropic.core.JsonValue.from(0.2))
          .metadata(Metadata.builder().userId("user-42").build())
          .addUserMessage("Why is the sky blue?").build())),

  ANTHROPIC_TOOL_ROUND_TRIP("anthropic-tool-round-trip", List.of(), base -> anthropic(base).messages().create(
      MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024)
          .addTool(weatherTool())
          .toolChoice(ToolChoiceAuto.builder().disableParallelToolUse(true).build())
          .addUserMessage("What's the weather in Paris, and in Atlantis?")
          .addAssistantMessageOfContentBlockParams(List.of(
              text("I'll check Paris first."),
              toolUse("toolu_01A09q90qw90lq917835lq9", "get_weather", ordered("city", "Paris", "unit", "celsius"))))
          .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
              .toolUseId("toolu_01A09q90qw90lq917835lq9").content("18°C, light clouds").build())))
          .addAssistantMessageOfContentBlockParams(List.of(
              toolUse("toolu_01B2Xn5vbSxFzJqY8mWpCkVd", "get_weather", ordered("city", "Atlantis"))))
          .addUserMessageOfContentBlockParams(List.of(
              ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                  .toolUseId("toolu_01B2Xn5vbSxFzJqY8mWpCkVd").content("No such city: Atlantis").isError(true).build()),
              text("Thanks. What should I wear in Paris?")))
          .build())),

  ANTHROPIC_IMAGES("anthropic-images", List.of(), base -> anthropic(base).messages().create(
      MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(512)
          .addUserMessageOfContentBlockParams(List.of(
              text("What is in these two images?"),
              ContentBlockParam.ofImage(ImageBlockParam.builder().source(Base64ImageSource.builder()
                  .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).data(Images.ONE_PIXEL_PNG).build()).build()),
              ContentBlockParam.ofImage(ImageBlockParam.builder().source(UrlImageSource.builder()
                  .url(Images.URL).build()).build())))
          .build())),

  ANTHROPIC_PARALLEL_TOOL_CALLS("anthropic-parallel-tool-calls", List.of(), base -> anthropic(base).messages().create(
      MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024)
          .addTool(weatherTool())
          .addTool(Tool.builder().name("get_time").description("The local time in a city.")
              .inputSchema(Tool.InputSchema.builder()
                  .properties(com.anthropic.core.JsonValue.from(ordered("city", ordered("type", "string"))))
                  .addRequired("city").build()).build())
          .toolChoice(ToolChoiceAny.builder().build())
          .addUserMessage("Weather and time in Tokyo?")
          .addAssistantMessageOfContentBlockParams(List.of(
              text("Looking both up."),
              toolUse("toolu_01Weather7Hk2", "get_weather", ordered("city", "Tokyo")),
              toolUse("toolu_01Time9Qp4", "get_time", ordered("city", "Tokyo"))))
          .addUserMessageOfContentBlockParams(List.of(
              ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId("toolu_01Weather7Hk2")
                  .contentOfBlocks(List.of(ToolResultBlockParam.Content.Block.ofText(
                      TextBlockParam.builder().text("24°C, sunny").build()))).build()),
              ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId("toolu_01Time9Qp4")
                  .content("21:04").build())))
          .build())),

  ANTHROPIC_STOP_SEQUENCES("anthropic-stop-sequences", List.of("top_k"), base -> {
    try (StreamResponse<RawMessageStreamEvent> s = anthropic(base).messages().createStreaming(
        MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200)
            .stopSequences(List.of("\n\nHuman:", "END"))
            .putAdditionalBodyProperty("top_k", com.anthropic.core.JsonValue.from(40))
            .putAdditionalBodyProperty("top_p", com.anthropic.core.JsonValue.from(0.9))
            .addUserMessage("Count to ten, then write END.").build())) {
      s.stream().forEach(e -> { });
    }
  }),

  OPENAI_PLAIN_TEXT("openai-plain-text", List.of(), base -> openAi(base).chat().completions().create(
      ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Hello, who are you?").build())),

  OPENAI_SYSTEM_PROMPT("openai-system-prompt", List.of("temperature"), base -> openAi(base).chat().completions().create(
      ChatCompletionCreateParams.builder().model("gpt-4o")
          .addSystemMessage("You are a terse assistant.")
          .addDeveloperMessage("Answer in one sentence.")
          .addUserMessage("Why is the sky blue?")
          .temperature(1.5).maxCompletionTokens(300).user("user-42").build())),

  OPENAI_TOOL_ROUND_TRIP("openai-tool-round-trip", List.of(), base -> openAi(base).chat().completions().create(
      ChatCompletionCreateParams.builder().model("gpt-4o")
          .addTool(weatherFunction())
          .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
          .parallelToolCalls(false)
          .addUserMessage("What's the weather in Paris, and in Atlantis?")
          .addMessage(ChatCompletionAssistantMessageParam.builder().content("I'll check Paris first.")
              .addToolCall(functionCall("call_Vx8nQ2Lm4Rk7", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"))
              .build())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_Vx8nQ2Lm4Rk7")
              .content("18°C, light clouds").build())
          .addMessage(ChatCompletionAssistantMessageParam.builder()
              .addToolCall(functionCall("call_Zq3Tp9Wd1Hs2", "get_weather", "{\"city\":\"Atlantis\"}")).build())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_Zq3Tp9Wd1Hs2")
              .content("Error: no such city: Atlantis").build())
          .addUserMessage("Thanks. What should I wear in Paris?")
          .build())),

  OPENAI_IMAGES("openai-images", List.of(), base -> openAi(base).chat().completions().create(
      ChatCompletionCreateParams.builder().model("gpt-4o")
          .addUserMessageOfArrayOfContentParts(List.of(
              ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                  .text("What is in these two images?").build()),
              imagePart("data:image/png;base64," + Images.ONE_PIXEL_PNG),
              imagePart(Images.URL)))
          .build())),

  OPENAI_PARALLEL_TOOL_CALLS("openai-parallel-tool-calls", List.of(), base -> openAi(base).chat().completions().create(
      ChatCompletionCreateParams.builder().model("gpt-4o")
          .addTool(weatherFunction())
          .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_time")
              .description("The local time in a city.")
              .parameters(FunctionParameters.builder()
                  .putAdditionalProperty("type", JsonValue.from("object"))
                  .putAdditionalProperty("properties", JsonValue.from(ordered("city", ordered("type", "string"))))
                  .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                  .build()).build()).build())
          .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
          .addUserMessage("Weather and time in Tokyo?")
          .addMessage(ChatCompletionAssistantMessageParam.builder()
              .addToolCall(functionCall("call_W1", "get_weather", "{\"city\":\"Tokyo\"}"))
              .addToolCall(functionCall("call_T2", "get_time", "{\"city\":\"Tokyo\"}"))
              .build())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_W1").content("24°C, sunny").build())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_T2").content("21:04").build())
          .build())),

  OPENAI_STOP_SEQUENCES("openai-stop-sequences", List.of("presence_penalty", "seed"), base -> {
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> s = openAi(base).chat().completions()
        .createStreaming(ChatCompletionCreateParams.builder().model("gpt-4o")
            .stopOfStrings(List.of("\n\nHuman:", "END"))
            .topP(0.9).seed(7).presencePenalty(0.5).maxTokens(200)
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .addUserMessage("Count to ten, then write END.").build())) {
      s.stream().forEach(c -> { });
    }
  });

  /** The images the samples send (apart from the enum, whose constants are built before its static fields). */
  static final class Images {
    /** A 1x1 PNG. */
    static final String ONE_PIXEL_PNG =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    static final String URL = "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png";
  }

  final String fixture;
  /** The fields the translation must report as dropped, in order. */
  final List<String> dropped;
  /** Sends the request to an upstream at the base URL, with the SDK. */
  final Consumer<String> send;

  SdkRequestSamples(String fixture, List<String> dropped, Consumer<String> send) {
    this.fixture = fixture;
    this.dropped = dropped;
    this.send = send;
  }

  boolean fromAnthropicClient() {
    return fixture.startsWith("anthropic-");
  }

  private static AnthropicClient anthropic(String base) {
    return AnthropicOkHttpClient.builder().baseUrl(base).apiKey("sk-ant-recording").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  private static OpenAIClient openAi(String base) {
    return OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("sk-recording").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** A map that keeps its keys in order, so a recording is the same byte for byte each time. */
  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    return map;
  }

  private static ContentBlockParam text(String text) {
    return ContentBlockParam.ofText(TextBlockParam.builder().text(text).build());
  }

  private static ContentBlockParam toolUse(String id, String name, Map<String, Object> input) {
    ToolUseBlockParam.Input.Builder args = ToolUseBlockParam.Input.builder();
    input.forEach((k, v) -> args.putAdditionalProperty(k, com.anthropic.core.JsonValue.from(v)));
    return ContentBlockParam.ofToolUse(ToolUseBlockParam.builder().id(id).name(name).input(args.build()).build());
  }

  private static Tool weatherTool() {
    return Tool.builder().name("get_weather").description("The current weather in a city.")
        .inputSchema(Tool.InputSchema.builder()
            .properties(com.anthropic.core.JsonValue.from(ordered(
                "city", ordered("type", "string", "description", "The city's name"),
                "unit", ordered("type", "string", "enum", List.of("celsius", "fahrenheit")))))
            .addRequired("city").build())
        .build();
  }

  private static ChatCompletionFunctionTool weatherFunction() {
    return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
        .description("The current weather in a city.")
        .parameters(FunctionParameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(ordered(
                "city", ordered("type", "string", "description", "The city's name"),
                "unit", ordered("type", "string", "enum", List.of("celsius", "fahrenheit")))))
            .putAdditionalProperty("required", JsonValue.from(List.of("city")))
            .build()).build()).build();
  }

  private static ChatCompletionMessageFunctionToolCall functionCall(String id, String name, String arguments) {
    return ChatCompletionMessageFunctionToolCall.builder().id(id)
        .function(ChatCompletionMessageFunctionToolCall.Function.builder().name(name).arguments(arguments).build())
        .build();
  }

  private static ChatCompletionContentPart imagePart(String url) {
    return ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
        .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build());
  }
}
