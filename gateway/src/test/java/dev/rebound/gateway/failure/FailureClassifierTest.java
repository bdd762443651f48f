package dev.rebound.gateway.failure;

import static dev.rebound.gateway.failure.FailureKind.AUTH;
import static dev.rebound.gateway.failure.FailureKind.CONTEXT_OVERFLOW;
import static dev.rebound.gateway.failure.FailureKind.INVALID_REQUEST;
import static dev.rebound.gateway.failure.FailureKind.OUTPUT_LIMIT;
import static dev.rebound.gateway.failure.FailureKind.OVERLOADED;
import static dev.rebound.gateway.failure.FailureKind.QUOTA_EXHAUSTED;
import static dev.rebound.gateway.failure.FailureKind.RATE_LIMITED;
import static dev.rebound.gateway.failure.FailureKind.SERVER_ERROR;
import static dev.rebound.gateway.failure.FailureKind.STREAM_CUT;
import static dev.rebound.gateway.failure.FailureKind.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real provider bodies that are not in the shared fixture file: one table per provider family, a row per behaviour
 * (what goes in, an HTTP error or a stream event, and what the classification must say).
 */
class FailureClassifierTest {
  static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  static final FailureClassifier CLASSIFIER = new FailureClassifier(Dialects.loadDefault(), Clock.fixed(NOW, ZoneOffset.UTC));

  static Failure classify(int status, String body) {
    return CLASSIFIER.classify(status, Map.of(), body, false);
  }

  static void assertWait(double seconds, Failure f) {
    assertNotNull(f.retryAfter(), () -> "no retryAfter in " + f);
    assertEquals(seconds, f.retryAfter().toNanos() / 1e9, 0.001, () -> f.toString());
  }

  static void assertTokens(Integer limit, Integer requested, Failure f) {
    assertEquals(limit, f.contextLimit(), () -> "limit in " + f);
    assertEquals(requested, f.requestedTokens(), () -> "requested in " + f);
  }

  /** A non-streaming error answer without headers. */
  static Function<FailureClassifier, Failure> http(int status, String body) {
    return http(status, Map.of(), body, false);
  }

  /** A non-streaming error answer. */
  static Function<FailureClassifier, Failure> http(int status, Map<String, String> headers, String body) {
    return http(status, headers, body, false);
  }

  static Function<FailureClassifier, Failure> http(int status, Map<String, String> headers, String body, boolean stream) {
    return c -> c.classify(status, headers, body, stream);
  }

  /** One event of a 200 stream. */
  static Function<FailureClassifier, Failure> event(String name, String data) {
    return c -> c.classifyStreamEvent(name, data);
  }

  static Case row(String name, Function<FailureClassifier, Failure> input) {
    return new Case(name, input);
  }

  /** One row: a behaviour's name, what goes in, and what the classification must say (only what is set is checked). */
  static final class Case {
    private final String name;
    private final Function<FailureClassifier, Failure> input;
    private boolean nothing;
    private FailureKind kind;
    private Double waitSeconds;
    private Duration exactWait;
    private boolean noWait;
    private boolean tokens;
    private Integer limit;
    private Integer requested;
    private String message;
    private String mentioned;

    Case(String name, Function<FailureClassifier, Failure> input) {
      this.name = name;
      this.input = input;
    }

    /** Not an error at all. */
    Case isNothing() { nothing = true; return this; }

    /** Some failure, whichever kind (the input must not make the classifier give up). */
    Case isAFailure() { return this; }

    Case is(FailureKind k) { kind = k; return this; }

    /** The server's wait, in seconds (to the millisecond). */
    Case waits(double seconds) { waitSeconds = seconds; return this; }

    Case waits(Duration exactly) { exactWait = exactly; return this; }

    Case noWait() { noWait = true; return this; }

    Case tokens(Integer contextLimit, Integer requestedTokens) {
      tokens = true;
      limit = contextLimit;
      requested = requestedTokens;
      return this;
    }

    Case says(String exactMessage) { message = exactMessage; return this; }

    Case mentions(String part) { mentioned = part; return this; }

    void check() {
      Failure f = input.apply(CLASSIFIER);
      if (nothing) {
        assertNull(f);
        return;
      }
      assertNotNull(f);
      if (kind != null) assertEquals(kind, f.kind());
      if (waitSeconds != null) assertWait(waitSeconds, f);
      if (exactWait != null) assertEquals(exactWait, f.retryAfter());
      if (noWait) assertNull(f.retryAfter());
      if (tokens) assertTokens(limit, requested, f);
      if (message != null) assertEquals(message, f.message());
      if (mentioned != null) assertTrue(f.message().contains(mentioned), f.message());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void openAiAndAzure(Case c) {
    c.check();
  }

  static Stream<Case> openAiAndAzure() {
    return Stream.of(
        row("a 429 throttle with reset headers waits for the limit that ran out",
            http(429, Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-remaining-tokens", "5000",
                "x-ratelimit-reset-requests", "1m30s", "x-ratelimit-reset-tokens", "6m0s"),
                "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): "
                + "Limit 500, Used 500, Requested 1.\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"))
            .is(RATE_LIMITED).waits(90),
        row("the message context length exceeded form gives limit and prompt tokens",
            http(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens. However, your "
                + "messages resulted in 8517 tokens. Please reduce the length of the messages.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"))
            .is(CONTEXT_OVERFLOW).tokens(8192, 8517),
        row("legacy completions overflow where the prompt fits is an output limit",
            http(400, "{\"error\":{\"message\":\"This model's maximum context length is 4097 tokens, however you "
                + "requested 4364 tokens (3364 in your prompt; 1000 for the completion). Please reduce your prompt; or completion "
                + "length.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"))
            .is(OUTPUT_LIMIT).tokens(4097, 4364),
        row("max tokens above the models completion cap is an invalid request",
            http(400, "{\"error\":{\"message\":\"max_tokens is too large: 100000. This model supports at most "
                + "16384 completion tokens, whereas you provided 100000.\",\"type\":\"invalid_request_error\",\"param\":"
                + "\"max_tokens\",\"code\":\"invalid_value\"}}"))
            .is(INVALID_REQUEST),
        row("an http date retry after is measured from the injected clock",
            http(429, Map.of("Retry-After", "Sat, 01 Mar 2025 12:00:30 GMT"),
                "{\"error\":{\"message\":\"Rate limit exceeded\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"))
            .is(RATE_LIMITED).waits(30),
        row("a retry after date in the past means retry now",
            http(503, Map.of("retry-after", "Sat, 01 Mar 2025 11:00:00 GMT"), ""))
            .waits(Duration.ZERO),
        row("retry after zero is kept as zero not dropped",
            http(429, Map.of("retry-after", "0"), "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}"))
            .waits(Duration.ZERO),
        row("retry after ms wins over retry after and over the message",
            http(429, Map.of("retry-after", "2", "retry-after-ms", "1500"),
                "{\"error\":{\"code\":\"429\",\"message\":\"Requests ... have exceeded call rate limit. Please retry after 2 seconds.\"}}"))
            .is(RATE_LIMITED).waits(1.5),
        row("azure x ms retry after ms is read in any header case",
            http(429, Map.of("X-MS-Retry-After-Ms", "2500"),
                "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation under Azure OpenAI "
                + "API version 2024-02-01 have exceeded call rate limit of your current OpenAI S0 pricing tier.\"}}"))
            .is(RATE_LIMITED).waits(2.5),
        row("azure content filter 400 is an invalid request",
            http(400, "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure "
                + "OpenAI's content management policy. Please modify your prompt and retry.\",\"type\":null,\"param\":\"prompt\","
                + "\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\","
                + "\"content_filter_result\":{\"hate\":{\"filtered\":true,\"severity\":\"high\"}}}}}"))
            .is(INVALID_REQUEST),
        row("azure access denied 401 is auth",
            http(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key "
                + "or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional "
                + "API endpoint for your resource.\"}}"))
            .is(AUTH),
        row("azure deployment not found is an invalid request",
            http(404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for this "
                + "resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.\"}}"))
            .is(INVALID_REQUEST));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void anthropic(Case c) {
    c.check();
  }

  static Stream<Case> anthropic() {
    return Stream.of(
        row("a low credit balance reported as 400 is a quota stop",
            http(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit "
                + "balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.\"}}"))
            .is(QUOTA_EXHAUSTED),
        row("a thinking budget error that links to the context window page is not an overflow",
            http(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"`max_tokens` "
                + "must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.anthropic.com/"
                + "en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size\"}}"))
            .is(INVALID_REQUEST),
        row("input plus max tokens over the window with a fitting input is an output limit",
            http(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"input length "
                + "and `max_tokens` exceed context limit: 187237 + 20000 > 200000, decrease input length or `max_tokens` and try again\"}}"))
            .is(OUTPUT_LIMIT).tokens(200000, 207237),
        row("a 413 about bytes is an invalid request not an overflow",
            http(413, "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"Request exceeds "
                + "the maximum allowed number of bytes.\"}}"))
            .is(INVALID_REQUEST),
        row("rate limit reset headers in rfc 3339 are used for the exhausted limit without retry after",
            http(429, Map.of(
                "anthropic-ratelimit-requests-remaining", "12", "anthropic-ratelimit-requests-reset", "2025-03-01T12:05:00Z",
                "anthropic-ratelimit-output-tokens-remaining", "0", "anthropic-ratelimit-output-tokens-reset", "2025-03-01T12:00:42Z"),
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit "
                + "for your organization of 8,000 output tokens per minute.\"}}"))
            .is(RATE_LIMITED).waits(42),
        row("an error event inside a 200 stream is found and classified",
            http(200, Map.of("content-type", "text/event-stream"), "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"content\":[]}}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n"
                + "event: error\ndata: {\"type\":\"error\",\"error\":{\"details\":null,\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", true))
            .is(OVERLOADED).says("Overloaded"),
        row("an ordinary message_delta event is not an error",
            event("message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}"))
            .isNothing(),
        row("an ordinary ping event is not an error",
            event("ping", "{\"type\": \"ping\"}"))
            .isNothing(),
        row("an ordinary message_start event is not an error",
            event("message_start",
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"content\":[],\"stop_reason\":null}}"))
            .isNothing());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void openAiStreams(Case c) {
    c.check();
  }

  static Stream<Case> openAiStreams() {
    return Stream.of(
        row("a responses api response failed event carries the real error",
            event("response.failed", "{\"type\":\"response.failed\",\"sequence_number\":3,"
                + "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"failed\",\"error\":{\"code\":"
                + "\"context_length_exceeded\",\"message\":\"Your input exceeds the context window of this model. Please adjust "
                + "your input and try again.\"},\"incomplete_details\":null}}"))
            .is(CONTEXT_OVERFLOW),
        row("a responses api error event with a wait in its message is a rate limit",
            event("error", "{\"type\":\"error\",\"sequence_number\":7,\"code\":"
                + "\"rate_limit_exceeded\",\"message\":\"Rate limit reached for gpt-4.1 on tokens per min (TPM). Please try again "
                + "in 1.2s.\",\"param\":null}"))
            .is(RATE_LIMITED).waits(1.2),
        row("a responses api output_text.delta event is not an error",
            event("response.output_text.delta",
                "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}"))
            .isNothing(),
        row("a responses api response.incomplete event is not an error",
            event("response.incomplete", "{\"type\":\"response.incomplete\",\"response\":"
                + "{\"id\":\"resp_1\",\"status\":\"incomplete\",\"error\":null,\"incomplete_details\":{\"reason\":\"max_output_tokens\"}}}"))
            .isNothing(),
        row("a [DONE] line is not an error",
            event(null, "[DONE]"))
            .isNothing(),
        row("a chat completions stream with an error data line is a server error",
            http(200, Map.of(), "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n", true))
            .is(SERVER_ERROR),
        row("a crlf stream whose error arrives with an error status keeps that status",
            http(503, Map.of(), "event: error\r\ndata: {\"error\":{\"message\":\"Service Unavailable\",\"code\":null}}\r\n\r\n", true))
            .is(OVERLOADED),
        row("an empty 200 stream is a stream cut",
            http(200, Map.of(), "", true))
            .is(STREAM_CUT),
        row("an empty 200 non stream is a server error",
            http(200, Map.of(), "", false))
            .is(SERVER_ERROR),
        row("a gemini stream error chunk takes its status from the error code",
            event(null, "{\"error\":{\"code\":503,\"message\":\"The service is currently "
                + "unavailable.\",\"status\":\"UNAVAILABLE\"}}"))
            .is(OVERLOADED),
        row("a stream that finished normally is not called cut",
            http(200, Map.of(), "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n", true))
            .is(SERVER_ERROR),
        row("a 200 stream that just stops without an error is a stream cut",
            http(200, Map.of(), "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n", true))
            .is(STREAM_CUT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void gemini(Case c) {
    c.check();
  }

  static Stream<Case> gemini() {
    return Stream.of(
        row("an invalid api key reported as 400 invalid argument is auth",
            http(400, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
                + "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":"
                + "\"API_KEY_INVALID\",\"domain\":\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]}}"))
            .is(AUTH),
        row("the openai compatible endpoint array body with retry info is a rate limit",
            http(429, "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
                + "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
                + "\"retryDelay\":\"13s\"}]}}]"))
            .is(RATE_LIMITED).waits(13),
        row("a per day input token quota is exhausted quota",
            http(429, "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota.\",\"status\":"
                + "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":"
                + "[{\"quotaMetric\":\"generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count\",\"quotaId\":"
                + "\"GenerateContentPaidTierInputTokensPerModelPerDay\",\"quotaValue\":\"5000000\"}]}]}}"))
            .is(QUOTA_EXHAUSTED),
        row("deadline exceeded is a timeout",
            http(504, "{\"error\":{\"code\":504,\"message\":\"Deadline expired before operation could complete.\","
                + "\"status\":\"DEADLINE_EXCEEDED\"}}"))
            .is(TIMEOUT),
        row("vertex input token count wording is an overflow with numbers",
            http(400, "{\"error\":{\"code\":400,\"message\":\"Unable to submit request because the input token "
                + "count is 40000 but model only supports up to 32768. Reduce the input token count and try again.\",\"status\":"
                + "\"INVALID_ARGUMENT\"}}"))
            .is(CONTEXT_OVERFLOW).tokens(32768, 40000));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void bedrock(Case c) {
    c.check();
  }

  static Stream<Case> bedrock() {
    return Stream.of(
        row("a service unavailable exception named in the body is overload",
            http(503, "{\"__type\":\"com.amazon.coral.availability#ServiceUnavailableException\",\"message\":"
                + "\"Bedrock is unable to process your request.\"}"))
            .is(OVERLOADED),
        row("a model stream error exception event is a server error",
            event("modelStreamErrorException",
                "{\"message\":\"An error occurred while processing the model stream.\",\"originalStatusCode\":500}"))
            .is(SERVER_ERROR),
        row("too many tokens per day is a daily quota",
            http(429, Map.of("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                "{\"message\":\"Too many tokens per day, please wait before trying again.\"}"))
            .is(QUOTA_EXHAUSTED),
        row("a validation exception named in the body about input length is an overflow",
            http(400, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"The model "
                + "returned the following errors: Input is too long for requested model.\"}"))
            .is(CONTEXT_OVERFLOW),
        row("a validation exception about something else is an invalid request",
            http(400, "{\"__type\":\"ValidationException\",\"message\":\"A conversation must start with a user "
                + "message. Try again with a conversation that starts with a user message.\"}"))
            .is(INVALID_REQUEST),
        row("a model error exception 424 is a server error not the callers fault",
            http(424, Map.of("x-amzn-ErrorType", "ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                "{\"message\":\"The system encountered an unexpected error during processing. Try your request again.\"}"))
            .is(SERVER_ERROR),
        row("access denied is auth",
            http(403, Map.of("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"),
                "{\"message\":\"You don't have access to the model with the specified model ID.\"}"))
            .is(AUTH));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void hostedOpenAiCompatibles(Case c) {
    c.check();
  }

  static Stream<Case> hostedOpenAiCompatibles() {
    return Stream.of(
        row("groq try again in seconds becomes the wait",
            http(429, "{\"error\":{\"message\":\"Rate limit reached for model `llama-3.1-8b-instant` in organization "
                + "`org_1` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5423, Requested 1235. Please try "
                + "again in 7.66s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing\","
                + "\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}"))
            .is(RATE_LIMITED).waits(7.66),
        row("groq flex tier capacity exceeded is overload",
            http(498, "{\"error\":{\"message\":\"Flex tier capacity exceeded. This model is currently "
                + "experiencing high demand.\",\"type\":\"capacity_exceeded\",\"code\":\"flex_tier_capacity_exceeded\"}}"))
            .is(OVERLOADED),
        row("deepseek 402 insufficient balance is a quota stop",
            http(402, "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\",\"param\":null,"
                + "\"code\":\"invalid_request_error\"}}"))
            .is(QUOTA_EXHAUSTED),
        row("openrouter mid stream error chunk is a server error",
            event(null, "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":"
                + "1741305600,\"model\":\"anthropic/claude-3.5-sonnet\",\"provider\":\"Anthropic\",\"error\":{\"code\":\"server_error\","
                + "\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
                + "\"finish_reason\":\"error\"}]}"))
            .is(SERVER_ERROR),
        row("an openrouter 200 body with a numeric error code takes that status",
            http(200, "{\"error\":{\"message\":\"Provider returned error\",\"code\":429,\"metadata\":{\"raw\":"
                + "\"meta-llama/llama-3.3-70b-instruct:free is temporarily rate-limited upstream. Please retry shortly.\","
                + "\"provider_name\":\"Chutes\"}}}"))
            .is(RATE_LIMITED),
        row("openrouter free models per day is a daily quota with the forwarded reset",
            http(429, "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock "
                + "1000 free model requests per day\",\"code\":429,\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"50\","
                + "\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset\":\"" + NOW.plusSeconds(3600).toEpochMilli()
                + "\"}}}}"))
            .is(QUOTA_EXHAUSTED).waits(3600),
        row("openrouter provider returned error is decided by the upstream raw error",
            http(400, "{\"error\":{\"message\":\"Provider returned error\",\"code\":400,\"metadata\":{\"raw\":"
                + "\"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"invalid_request_error\\\",\\\"message\\\":"
                + "\\\"prompt is too long: 201234 tokens > 200000 maximum\\\"}}\",\"provider_name\":\"Anthropic\"}}}"))
            .is(CONTEXT_OVERFLOW).tokens(200000, 201234).says("Provider returned error"),
        row("openrouter moderation 403 is an invalid request not auth",
            http(403, "{\"error\":{\"code\":403,\"message\":\"meta-llama/llama-3.1-405b-instruct requires "
                + "moderation on OpenInference. Your input was flagged for \\\"violence/graphic\\\". No credits were charged.\","
                + "\"metadata\":{\"reasons\":[\"violence/graphic\"],\"flagged_input\":\"...\"}}}"))
            .is(INVALID_REQUEST),
        row("together credit limit is a quota stop",
            http(429, "{\"id\":\"o1\",\"error\":{\"message\":\"Credit limit exceeded. Please navigate to "
                + "https://api.together.xyz/settings/billing to add credit or upgrade your plan.\",\"type\":\"credit_limit\","
                + "\"param\":null,\"code\":null}}"))
            .is(QUOTA_EXHAUSTED),
        row("mistral prompt contains too many tokens is an overflow with numbers",
            http(400, "{\"object\":\"error\",\"message\":\"Prompt contains 40321 tokens and 0 draft tokens, too "
                + "large for model with 32768 maximum context length\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}"))
            .is(CONTEXT_OVERFLOW).tokens(32768, 40321),
        row("a fastapi validation detail list reads as the message",
            http(422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],\"msg\":\"Field required\","
                + "\"input\":{}}]}"))
            .is(INVALID_REQUEST).mentions("Field required"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void selfHosted(Case c) {
    c.check();
  }

  static Stream<Case> selfHosted() {
    return Stream.of(
        row("vllm request has input tokens wording is a context overflow",
            http(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 32768 tokens. "
                + "However, your request has 40001 input tokens. Please reduce the length of the input messages.\",\"type\":"
                + "\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(CONTEXT_OVERFLOW).tokens(32768, 40001),
        row("vllm max tokens too large for what the prompt leaves is an output limit",
            http(400, "{\"object\":\"error\",\"message\":\"'max_tokens' or 'max_completion_tokens' is too large: "
                + "4096. This model's maximum context length is 8192 tokens and your request has 5000 input tokens (4096 > 8192 - "
                + "5000). None\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(OUTPUT_LIMIT).tokens(8192, 9096),
        row("vllm single parameter wording with the remaining formula is an output limit",
            http(400, "{\"object\":\"error\",\"message\":\"'max_completion_tokens' is too large: 16000. This "
                + "model's maximum context length is 32768 tokens and your request has 20000 input tokens (16000 > 32768 - 20000).\","
                + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(OUTPUT_LIMIT).tokens(32768, 36000),
        row("vllm output tokens with a prompt beyond the window is a context overflow",
            http(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens. "
                + "However, you requested 512 output tokens and your prompt contains at least 4097 input tokens, for a total of at "
                + "least 4609 tokens. Please reduce the length of the input prompt or the number of requested output tokens.\","
                + "\"type\":\"BadRequestError\",\"param\":\"input_tokens\",\"code\":400}"))
            .is(CONTEXT_OVERFLOW).tokens(4096, 4609),
        row("vllm negative max tokens means the prompt overflowed",
            http(400, "{\"object\":\"error\",\"message\":\"max_tokens must be at least 1, got -1532.\",\"type\":"
                + "\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(CONTEXT_OVERFLOW),
        row("vllm input prompt too long gives prompt and limit",
            http(400, "{\"object\":\"error\",\"message\":\"Input prompt (9000 tokens) is too long and exceeds limit "
                + "of 8192\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(CONTEXT_OVERFLOW).tokens(8192, 9000),
        row("sglang total wording with a fitting input is an output limit",
            http(400, "{\"object\":\"error\",\"message\":\"Requested token count exceeds the model's maximum "
                + "context length of 4096 tokens. You requested a total of 5000 tokens: 4000 tokens from the input messages and "
                + "1000 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to "
                + "fit within the limit.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"))
            .is(OUTPUT_LIMIT).tokens(4096, 5000),
        row("llamacpp older wording still reads the token fields",
            http(400, "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, try "
                + "increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":9000,\"n_ctx\":4096}}"))
            .is(CONTEXT_OVERFLOW).tokens(4096, 9000),
        row("llamacpp loading model 503 is overload",
            http(503, "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"))
            .is(OVERLOADED),
        row("ollama double encoded model not found is an invalid request",
            http(404, "\"{\\\"error\\\":\\\"model 'llama3:70b' not found, try pulling it first\\\"}\""))
            .is(INVALID_REQUEST).says("model 'llama3:70b' not found, try pulling it first"),
        row("ollama not enough memory is a server error",
            http(500, "{\"error\":\"model requires more system memory (21.3 GiB) than is available (9.8 GiB)\"}"))
            .is(SERVER_ERROR),
        row("ollama openai compatible model not found typed api error is an invalid request",
            http(404, "{\"error\":{\"message\":\"model \\\"qwen3:32b\\\" not found, try pulling it first\","
                + "\"type\":\"api_error\",\"param\":null,\"code\":null}}"))
            .is(INVALID_REQUEST),
        row("tgi model is overloaded 429 is overload not a rate limit",
            http(429, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}"))
            .is(OVERLOADED),
        row("tgi inputs longer than the window is an overflow",
            http(422, "{\"error\":\"Input validation error: `inputs` must have less than 4096 tokens. Given: 5210\","
                + "\"error_type\":\"validation\"}"))
            .is(CONTEXT_OVERFLOW).tokens(4096, 5210),
        row("hf model loading without retry hint still is overload",
            http(503, "{\"error\":\"Model bigscience/bloom is currently loading\"}"))
            .is(OVERLOADED).noWait(),
        row("lmstudio keep first tokens wording is an overflow",
            http(400, "{\"error\":\"Trying to keep the first 6074 tokens when context the overflows. However, the "
                + "model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a "
                + "larger context length, or provide a shorter input\"}"))
            .is(CONTEXT_OVERFLOW).tokens(4096, 6074));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void nonJsonAndGarbage(Case c) {
    c.check();
  }

  static Stream<Case> nonJsonAndGarbage() {
    return Stream.of(
        row("an nginx 502 page is a server error named by its title",
            http(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
                + "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
            .is(SERVER_ERROR).says("502 Bad Gateway"),
        row("a cloudflare 524 page is a timeout",
            http(524, "<!DOCTYPE html>\n<html class=\"no-js\" lang=\"en-US\"><head><title>api.example.com | 524: "
                + "A timeout occurred</title><meta charset=\"UTF-8\" /></head><body><div id=\"cf-wrapper\"><h1><span "
                + "class=\"inline-block\">A timeout occurred</span> <span class=\"code-label\">Error code 524</span></h1></div></body></html>"))
            .is(TIMEOUT),
        row("a cloudflare rate limit page is a rate limit",
            http(429, "<!DOCTYPE html><html><head><title>Access denied | api.example.com used Cloudflare to "
                + "restrict access</title></head><body><h1>Error 1015</h1><h2 class=\"cf-subheadline\">You are being rate "
                + "limited</h2></body></html>"))
            .is(RATE_LIMITED),
        row("an empty 503 is overload with a status message",
            http(503, ""))
            .is(OVERLOADED).says("HTTP 503"),
        row("an envoy plain text timeout is a timeout",
            http(504, "upstream request timeout"))
            .is(TIMEOUT),
        row("a 413 page from a proxy is an invalid request",
            http(413, "<html><head><title>413 Request Entity Too Large</title></head></html>"))
            .is(INVALID_REQUEST),
        row("a 413 about tokens is an overflow",
            http(413, "{\"error\":{\"message\":\"Request too large: the prompt has too many tokens\"}}"))
            .is(CONTEXT_OVERFLOW),
        row("garbage: truncated json falls back to the status",
            http(500, "{\"error\": {\"message\": "))
            .is(SERVER_ERROR),
        row("garbage: an empty json array falls back to the status",
            http(429, "[]"))
            .is(RATE_LIMITED),
        row("garbage: json null falls back to the status",
            http(502, "null"))
            .is(SERVER_ERROR),
        row("garbage: a json number falls back to the status",
            http(400, "42"))
            .is(INVALID_REQUEST),
        row("garbage: control characters fall back to the status",
            http(500, "\u0000\u0001\uFFFF garbage"))
            .is(SERVER_ERROR),
        row("garbage: no body at all falls back to the status",
            http(401, null))
            .is(AUTH),
        row("garbage: deeply nested brackets fall back to the status",
            http(500, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["))
            .is(SERVER_ERROR),
        row("garbage: no status and no body is a server error",
            http(-1, ""))
            .is(SERVER_ERROR),
        row("garbage: no headers and an empty object in a stream still classify",
            http(429, null, "{}", true))
            .isAFailure(),
        row("garbage: a stream event without name or data is not an error",
            event(null, null))
            .isNothing(),
        row("garbage: a stream event of plain text is not an error",
            event("message", "not json at all"))
            .isNothing(),
        row("a plain json string body is its own message",
            http(500, "\"Internal Server Error\""))
            .is(SERVER_ERROR).says("Internal Server Error"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void taxonomy(Case c) {
    c.check();
  }

  static Stream<Case> taxonomy() {
    return Stream.of(
        row("waits are dropped for kinds where only a changed request helps",
            http(400, Map.of("retry-after", "5"), "{\"error\":{\"message\":\"This model's maximum context length "
                + "is 8192 tokens. However, your messages resulted in 9000 tokens.\",\"code\":\"context_length_exceeded\"}}"))
            .is(CONTEXT_OVERFLOW).noWait());
  }

  @Test
  void aHugeBodyIsCutToTheScanLimitAndItsLeadingFieldsStillRead() {
    String huge = "{\"error\":{\"message\":\"Rate limit reached. Please try again in 3s.\",\"type\":\"tokens\",\"code\":"
        + "\"rate_limit_exceeded\",\"padding\":\"" + "x".repeat(5_000_000) + "\"}}";
    long start = System.nanoTime();
    Failure f = classify(429, huge);
    assertTrue(System.nanoTime() - start < 2_000_000_000L, "too slow on a huge body");
    assertEquals(RATE_LIMITED, f.kind());
    assertWait(3, f);
  }

  @Test
  void everyKindHasASnakeCaseTypeAndAClientStatus() {
    for (FailureKind k : FailureKind.values()) {
      assertTrue(k.type().matches("[a-z]+(_[a-z]+)*"), k.type());
      assertTrue(k.downstreamStatus() >= 400 && k.downstreamStatus() <= 599, k.name());
    }
  }
}
