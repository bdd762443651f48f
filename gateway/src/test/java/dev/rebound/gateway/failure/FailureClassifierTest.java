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
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Real provider bodies that are not in the shared fixture file, one behaviour per test. */
class FailureClassifierTest {
  static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  static final FailureClassifier CLASSIFIER = new FailureClassifier(Dialects.loadDefault(), Clock.fixed(NOW, ZoneOffset.UTC));

  static Failure classify(int status, String body) {
    return CLASSIFIER.classify(status, Map.of(), body, false);
  }

  static Failure classify(int status, Map<String, String> headers, String body) {
    return CLASSIFIER.classify(status, headers, body, false);
  }

  static void assertWait(double seconds, Failure f) {
    assertNotNull(f.retryAfter(), () -> "no retryAfter in " + f);
    assertEquals(seconds, f.retryAfter().toNanos() / 1e9, 0.001, () -> f.toString());
  }

  static void assertTokens(Integer limit, Integer requested, Failure f) {
    assertEquals(limit, f.contextLimit(), () -> "limit in " + f);
    assertEquals(requested, f.requestedTokens(), () -> "requested in " + f);
  }

  @Nested
  class OpenAiAndAzure {
    @Test
    void a_429_throttle_with_reset_headers_waits_for_the_limit_that_ran_out() {
      Failure f = classify(429, Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-remaining-tokens", "5000",
              "x-ratelimit-reset-requests", "1m30s", "x-ratelimit-reset-tokens", "6m0s"),
          "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): "
              + "Limit 500, Used 500, Requested 1.\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(90, f);
    }

    @Test
    void the_message_context_length_exceeded_form_gives_limit_and_prompt_tokens() {
      Failure f = classify(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens. However, your "
          + "messages resulted in 8517 tokens. Please reduce the length of the messages.\",\"type\":\"invalid_request_error\","
          + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(8192, 8517, f);
    }

    @Test
    void legacy_completions_overflow_where_the_prompt_fits_is_an_output_limit() {
      Failure f = classify(400, "{\"error\":{\"message\":\"This model's maximum context length is 4097 tokens, however you "
          + "requested 4364 tokens (3364 in your prompt; 1000 for the completion). Please reduce your prompt; or completion "
          + "length.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
      assertEquals(OUTPUT_LIMIT, f.kind());
      assertTokens(4097, 4364, f);
    }

    @Test
    void max_tokens_above_the_models_completion_cap_is_an_invalid_request() {
      Failure f = classify(400, "{\"error\":{\"message\":\"max_tokens is too large: 100000. This model supports at most "
          + "16384 completion tokens, whereas you provided 100000.\",\"type\":\"invalid_request_error\",\"param\":"
          + "\"max_tokens\",\"code\":\"invalid_value\"}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void an_http_date_retry_after_is_measured_from_the_injected_clock() {
      Failure f = classify(429, Map.of("Retry-After", "Sat, 01 Mar 2025 12:00:30 GMT"),
          "{\"error\":{\"message\":\"Rate limit exceeded\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(30, f);
    }

    @Test
    void a_retry_after_date_in_the_past_means_retry_now() {
      Failure f = classify(503, Map.of("retry-after", "Sat, 01 Mar 2025 11:00:00 GMT"), "");
      assertEquals(Duration.ZERO, f.retryAfter());
    }

    @Test
    void retry_after_zero_is_kept_as_zero_not_dropped() {
      Failure f = classify(429, Map.of("retry-after", "0"), "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}");
      assertEquals(Duration.ZERO, f.retryAfter());
    }

    @Test
    void retry_after_ms_wins_over_retry_after_and_over_the_message() {
      Failure f = classify(429, Map.of("retry-after", "2", "retry-after-ms", "1500"),
          "{\"error\":{\"code\":\"429\",\"message\":\"Requests ... have exceeded call rate limit. Please retry after 2 seconds.\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(1.5, f);
    }

    @Test
    void azure_x_ms_retry_after_ms_is_read_in_any_header_case() {
      Failure f = classify(429, Map.of("X-MS-Retry-After-Ms", "2500"),
          "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation under Azure OpenAI "
              + "API version 2024-02-01 have exceeded call rate limit of your current OpenAI S0 pricing tier.\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(2.5, f);
    }

    @Test
    void azure_content_filter_400_is_an_invalid_request() {
      Failure f = classify(400, "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure "
          + "OpenAI's content management policy. Please modify your prompt and retry.\",\"type\":null,\"param\":\"prompt\","
          + "\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\","
          + "\"content_filter_result\":{\"hate\":{\"filtered\":true,\"severity\":\"high\"}}}}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void azure_access_denied_401_is_auth() {
      Failure f = classify(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key "
          + "or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional "
          + "API endpoint for your resource.\"}}");
      assertEquals(AUTH, f.kind());
    }

    @Test
    void azure_deployment_not_found_is_an_invalid_request() {
      Failure f = classify(404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for this "
          + "resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.\"}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }
  }

  @Nested
  class Anthropic {
    @Test
    void a_low_credit_balance_reported_as_400_is_a_quota_stop() {
      Failure f = classify(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit "
          + "balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.\"}}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
    }

    @Test
    void a_thinking_budget_error_that_links_to_the_context_window_page_is_not_an_overflow() {
      Failure f = classify(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"`max_tokens` "
          + "must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.anthropic.com/"
          + "en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size\"}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void input_plus_max_tokens_over_the_window_with_a_fitting_input_is_an_output_limit() {
      Failure f = classify(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"input length "
          + "and `max_tokens` exceed context limit: 187237 + 20000 > 200000, decrease input length or `max_tokens` and try again\"}}");
      assertEquals(OUTPUT_LIMIT, f.kind());
      assertTokens(200000, 207237, f);
    }

    @Test
    void a_413_about_bytes_is_an_invalid_request_not_an_overflow() {
      Failure f = classify(413, "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"Request exceeds "
          + "the maximum allowed number of bytes.\"}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void rate_limit_reset_headers_in_rfc_3339_are_used_for_the_exhausted_limit_without_retry_after() {
      Failure f = classify(429, Map.of(
              "anthropic-ratelimit-requests-remaining", "12", "anthropic-ratelimit-requests-reset", "2025-03-01T12:05:00Z",
              "anthropic-ratelimit-output-tokens-remaining", "0", "anthropic-ratelimit-output-tokens-reset", "2025-03-01T12:00:42Z"),
          "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit "
              + "for your organization of 8,000 output tokens per minute.\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(42, f);
    }

    @Test
    void an_error_event_inside_a_200_stream_is_found_and_classified() {
      String sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"content\":[]}}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n"
          + "event: error\ndata: {\"type\":\"error\",\"error\":{\"details\":null,\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
      Failure f = CLASSIFIER.classify(200, Map.of("content-type", "text/event-stream"), sse, true);
      assertEquals(OVERLOADED, f.kind());
      assertEquals("Overloaded", f.message());
    }

    @Test
    void ordinary_stream_events_are_not_errors() {
      assertNull(CLASSIFIER.classifyStreamEvent("message_delta",
          "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}"));
      assertNull(CLASSIFIER.classifyStreamEvent("ping", "{\"type\": \"ping\"}"));
      assertNull(CLASSIFIER.classifyStreamEvent("message_start",
          "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"content\":[],\"stop_reason\":null}}"));
    }
  }

  @Nested
  class OpenAiStreams {
    @Test
    void a_responses_api_response_failed_event_carries_the_real_error() {
      Failure f = CLASSIFIER.classifyStreamEvent("response.failed", "{\"type\":\"response.failed\",\"sequence_number\":3,"
          + "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"failed\",\"error\":{\"code\":"
          + "\"context_length_exceeded\",\"message\":\"Your input exceeds the context window of this model. Please adjust "
          + "your input and try again.\"},\"incomplete_details\":null}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
    }

    @Test
    void a_responses_api_error_event_with_a_wait_in_its_message_is_a_rate_limit() {
      Failure f = CLASSIFIER.classifyStreamEvent("error", "{\"type\":\"error\",\"sequence_number\":7,\"code\":"
          + "\"rate_limit_exceeded\",\"message\":\"Rate limit reached for gpt-4.1 on tokens per min (TPM). Please try again "
          + "in 1.2s.\",\"param\":null}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(1.2, f);
    }

    @Test
    void responses_api_progress_events_are_not_errors() {
      assertNull(CLASSIFIER.classifyStreamEvent("response.output_text.delta",
          "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}"));
      assertNull(CLASSIFIER.classifyStreamEvent("response.incomplete", "{\"type\":\"response.incomplete\",\"response\":"
          + "{\"id\":\"resp_1\",\"status\":\"incomplete\",\"error\":null,\"incomplete_details\":{\"reason\":\"max_output_tokens\"}}}"));
      assertNull(CLASSIFIER.classifyStreamEvent(null, "[DONE]"));
    }

    @Test
    void a_chat_completions_stream_with_an_error_data_line_is_a_server_error() {
      String sse = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
          + "{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
          + "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\","
          + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
      Failure f = CLASSIFIER.classify(200, Map.of(), sse, true);
      assertEquals(SERVER_ERROR, f.kind());
    }

    @Test
    void a_crlf_stream_whose_error_arrives_with_an_error_status_keeps_that_status() {
      String sse = "event: error\r\ndata: {\"error\":{\"message\":\"Service Unavailable\",\"code\":null}}\r\n\r\n";
      assertEquals(OVERLOADED, CLASSIFIER.classify(503, Map.of(), sse, true).kind());
    }

    @Test
    void an_empty_200_stream_is_a_stream_cut_but_an_empty_200_non_stream_is_a_server_error() {
      assertEquals(STREAM_CUT, CLASSIFIER.classify(200, Map.of(), "", true).kind());
      assertEquals(SERVER_ERROR, CLASSIFIER.classify(200, Map.of(), "", false).kind());
    }

    @Test
    void a_gemini_stream_error_chunk_takes_its_status_from_the_error_code() {
      Failure f = CLASSIFIER.classifyStreamEvent(null, "{\"error\":{\"code\":503,\"message\":\"The service is currently "
          + "unavailable.\",\"status\":\"UNAVAILABLE\"}}");
      assertEquals(OVERLOADED, f.kind());
    }

    @Test
    void a_stream_that_finished_normally_is_not_called_cut() {
      String sse = "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
      assertEquals(SERVER_ERROR, CLASSIFIER.classify(200, Map.of(), sse, true).kind());
    }

    @Test
    void a_200_stream_that_just_stops_without_an_error_is_a_stream_cut() {
      String sse = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
          + "{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
      assertEquals(STREAM_CUT, CLASSIFIER.classify(200, Map.of(), sse, true).kind());
    }
  }

  @Nested
  class Gemini {
    @Test
    void an_invalid_api_key_reported_as_400_invalid_argument_is_auth() {
      Failure f = classify(400, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
          + "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":"
          + "\"API_KEY_INVALID\",\"domain\":\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]}}");
      assertEquals(AUTH, f.kind());
    }

    @Test
    void the_openai_compatible_endpoint_array_body_with_retry_info_is_a_rate_limit() {
      Failure f = classify(429, "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
          + "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
          + "\"retryDelay\":\"13s\"}]}}]");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(13, f);
    }

    @Test
    void a_per_day_input_token_quota_is_exhausted_quota() {
      Failure f = classify(429, "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota.\",\"status\":"
          + "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":"
          + "[{\"quotaMetric\":\"generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count\",\"quotaId\":"
          + "\"GenerateContentPaidTierInputTokensPerModelPerDay\",\"quotaValue\":\"5000000\"}]}]}}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
    }

    @Test
    void deadline_exceeded_is_a_timeout() {
      Failure f = classify(504, "{\"error\":{\"code\":504,\"message\":\"Deadline expired before operation could complete.\","
          + "\"status\":\"DEADLINE_EXCEEDED\"}}");
      assertEquals(TIMEOUT, f.kind());
    }

    @Test
    void vertex_input_token_count_wording_is_an_overflow_with_numbers() {
      Failure f = classify(400, "{\"error\":{\"code\":400,\"message\":\"Unable to submit request because the input token "
          + "count is 40000 but model only supports up to 32768. Reduce the input token count and try again.\",\"status\":"
          + "\"INVALID_ARGUMENT\"}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(32768, 40000, f);
    }
  }

  @Nested
  class Bedrock {
    @Test
    void a_service_unavailable_exception_named_in_the_body_is_overload() {
      Failure f = classify(503, "{\"__type\":\"com.amazon.coral.availability#ServiceUnavailableException\",\"message\":"
          + "\"Bedrock is unable to process your request.\"}");
      assertEquals(OVERLOADED, f.kind());
    }

    @Test
    void a_model_stream_error_exception_event_is_a_server_error() {
      Failure f = CLASSIFIER.classifyStreamEvent("modelStreamErrorException",
          "{\"message\":\"An error occurred while processing the model stream.\",\"originalStatusCode\":500}");
      assertEquals(SERVER_ERROR, f.kind());
    }

    @Test
    void too_many_tokens_per_day_is_a_daily_quota() {
      Failure f = classify(429, Map.of("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
          "{\"message\":\"Too many tokens per day, please wait before trying again.\"}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
    }

    @Test
    void a_validation_exception_named_in_the_body_about_input_length_is_an_overflow() {
      Failure f = classify(400, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"The model "
          + "returned the following errors: Input is too long for requested model.\"}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
    }

    @Test
    void a_validation_exception_about_something_else_is_an_invalid_request() {
      Failure f = classify(400, "{\"__type\":\"ValidationException\",\"message\":\"A conversation must start with a user "
          + "message. Try again with a conversation that starts with a user message.\"}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void a_model_error_exception_424_is_a_server_error_not_the_callers_fault() {
      Failure f = classify(424, Map.of("x-amzn-ErrorType", "ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
          "{\"message\":\"The system encountered an unexpected error during processing. Try your request again.\"}");
      assertEquals(SERVER_ERROR, f.kind());
    }

    @Test
    void access_denied_is_auth() {
      Failure f = classify(403, Map.of("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"),
          "{\"message\":\"You don't have access to the model with the specified model ID.\"}");
      assertEquals(AUTH, f.kind());
    }
  }

  @Nested
  class HostedOpenAiCompatibles {
    @Test
    void groq_try_again_in_seconds_becomes_the_wait() {
      Failure f = classify(429, "{\"error\":{\"message\":\"Rate limit reached for model `llama-3.1-8b-instant` in organization "
          + "`org_1` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5423, Requested 1235. Please try "
          + "again in 7.66s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing\","
          + "\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(7.66, f);
    }

    @Test
    void groq_flex_tier_capacity_exceeded_is_overload() {
      Failure f = classify(498, "{\"error\":{\"message\":\"Flex tier capacity exceeded. This model is currently "
          + "experiencing high demand.\",\"type\":\"capacity_exceeded\",\"code\":\"flex_tier_capacity_exceeded\"}}");
      assertEquals(OVERLOADED, f.kind());
    }

    @Test
    void deepseek_402_insufficient_balance_is_a_quota_stop() {
      Failure f = classify(402, "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\",\"param\":null,"
          + "\"code\":\"invalid_request_error\"}}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
    }

    @Test
    void openrouter_mid_stream_error_chunk_is_a_server_error() {
      Failure f = CLASSIFIER.classifyStreamEvent(null, "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":"
          + "1741305600,\"model\":\"anthropic/claude-3.5-sonnet\",\"provider\":\"Anthropic\",\"error\":{\"code\":\"server_error\","
          + "\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
          + "\"finish_reason\":\"error\"}]}");
      assertEquals(SERVER_ERROR, f.kind());
    }

    @Test
    void an_openrouter_200_body_with_a_numeric_error_code_takes_that_status() {
      Failure f = classify(200, "{\"error\":{\"message\":\"Provider returned error\",\"code\":429,\"metadata\":{\"raw\":"
          + "\"meta-llama/llama-3.3-70b-instruct:free is temporarily rate-limited upstream. Please retry shortly.\","
          + "\"provider_name\":\"Chutes\"}}}");
      assertEquals(RATE_LIMITED, f.kind());
    }

    @Test
    void openrouter_free_models_per_day_is_a_daily_quota_with_the_forwarded_reset() {
      long resetMillis = NOW.plusSeconds(3600).toEpochMilli();
      Failure f = classify(429, "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock "
          + "1000 free model requests per day\",\"code\":429,\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"50\","
          + "\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset\":\"" + resetMillis + "\"}}}}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
      assertWait(3600, f);
    }

    @Test
    void openrouter_provider_returned_error_is_decided_by_the_upstream_raw_error() {
      Failure f = classify(400, "{\"error\":{\"message\":\"Provider returned error\",\"code\":400,\"metadata\":{\"raw\":"
          + "\"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"invalid_request_error\\\",\\\"message\\\":"
          + "\\\"prompt is too long: 201234 tokens > 200000 maximum\\\"}}\",\"provider_name\":\"Anthropic\"}}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(200000, 201234, f);
      assertEquals("Provider returned error", f.message());
    }

    @Test
    void openrouter_moderation_403_is_an_invalid_request_not_auth() {
      Failure f = classify(403, "{\"error\":{\"code\":403,\"message\":\"meta-llama/llama-3.1-405b-instruct requires "
          + "moderation on OpenInference. Your input was flagged for \\\"violence/graphic\\\". No credits were charged.\","
          + "\"metadata\":{\"reasons\":[\"violence/graphic\"],\"flagged_input\":\"...\"}}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void together_credit_limit_is_a_quota_stop() {
      Failure f = classify(429, "{\"id\":\"o1\",\"error\":{\"message\":\"Credit limit exceeded. Please navigate to "
          + "https://api.together.xyz/settings/billing to add credit or upgrade your plan.\",\"type\":\"credit_limit\","
          + "\"param\":null,\"code\":null}}");
      assertEquals(QUOTA_EXHAUSTED, f.kind());
    }

    @Test
    void mistral_prompt_contains_too_many_tokens_is_an_overflow_with_numbers() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"Prompt contains 40321 tokens and 0 draft tokens, too "
          + "large for model with 32768 maximum context length\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(32768, 40321, f);
    }

    @Test
    void a_fastapi_validation_detail_list_reads_as_the_message() {
      Failure f = classify(422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],\"msg\":\"Field required\","
          + "\"input\":{}}]}");
      assertEquals(INVALID_REQUEST, f.kind());
      assertTrue(f.message().contains("Field required"), f.message());
    }
  }

  @Nested
  class SelfHosted {
    @Test
    void vllm_request_has_input_tokens_wording_is_a_context_overflow() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 32768 tokens. "
          + "However, your request has 40001 input tokens. Please reduce the length of the input messages.\",\"type\":"
          + "\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(32768, 40001, f);
    }

    @Test
    void vllm_max_tokens_too_large_for_what_the_prompt_leaves_is_an_output_limit() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"'max_tokens' or 'max_completion_tokens' is too large: "
          + "4096. This model's maximum context length is 8192 tokens and your request has 5000 input tokens (4096 > 8192 - "
          + "5000). None\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(OUTPUT_LIMIT, f.kind());
      assertTokens(8192, 9096, f);
    }

    @Test
    void vllm_single_parameter_wording_with_the_remaining_formula_is_an_output_limit() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"'max_completion_tokens' is too large: 16000. This "
          + "model's maximum context length is 32768 tokens and your request has 20000 input tokens (16000 > 32768 - 20000).\","
          + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(OUTPUT_LIMIT, f.kind());
      assertTokens(32768, 36000, f);
    }

    @Test
    void vllm_output_tokens_with_a_prompt_beyond_the_window_is_a_context_overflow() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens. "
          + "However, you requested 512 output tokens and your prompt contains at least 4097 input tokens, for a total of at "
          + "least 4609 tokens. Please reduce the length of the input prompt or the number of requested output tokens.\","
          + "\"type\":\"BadRequestError\",\"param\":\"input_tokens\",\"code\":400}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(4096, 4609, f);
    }

    @Test
    void vllm_negative_max_tokens_means_the_prompt_overflowed() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"max_tokens must be at least 1, got -1532.\",\"type\":"
          + "\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
    }

    @Test
    void vllm_input_prompt_too_long_gives_prompt_and_limit() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"Input prompt (9000 tokens) is too long and exceeds limit "
          + "of 8192\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(8192, 9000, f);
    }

    @Test
    void sglang_total_wording_with_a_fitting_input_is_an_output_limit() {
      Failure f = classify(400, "{\"object\":\"error\",\"message\":\"Requested token count exceeds the model's maximum "
          + "context length of 4096 tokens. You requested a total of 5000 tokens: 4000 tokens from the input messages and "
          + "1000 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to "
          + "fit within the limit.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
      assertEquals(OUTPUT_LIMIT, f.kind());
      assertTokens(4096, 5000, f);
    }

    @Test
    void llamacpp_older_wording_still_reads_the_token_fields() {
      Failure f = classify(400, "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, try "
          + "increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":9000,\"n_ctx\":4096}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(4096, 9000, f);
    }

    @Test
    void llamacpp_loading_model_503_is_overload() {
      Failure f = classify(503, "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}");
      assertEquals(OVERLOADED, f.kind());
    }

    @Test
    void ollama_double_encoded_model_not_found_is_an_invalid_request() {
      Failure f = classify(404, "\"{\\\"error\\\":\\\"model 'llama3:70b' not found, try pulling it first\\\"}\"");
      assertEquals(INVALID_REQUEST, f.kind());
      assertEquals("model 'llama3:70b' not found, try pulling it first", f.message());
    }

    @Test
    void ollama_not_enough_memory_is_a_server_error() {
      Failure f = classify(500, "{\"error\":\"model requires more system memory (21.3 GiB) than is available (9.8 GiB)\"}");
      assertEquals(SERVER_ERROR, f.kind());
    }

    @Test
    void ollama_openai_compatible_model_not_found_typed_api_error_is_an_invalid_request() {
      Failure f = classify(404, "{\"error\":{\"message\":\"model \\\"qwen3:32b\\\" not found, try pulling it first\","
          + "\"type\":\"api_error\",\"param\":null,\"code\":null}}");
      assertEquals(INVALID_REQUEST, f.kind());
    }

    @Test
    void tgi_model_is_overloaded_429_is_overload_not_a_rate_limit() {
      Failure f = classify(429, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}");
      assertEquals(OVERLOADED, f.kind());
    }

    @Test
    void tgi_inputs_longer_than_the_window_is_an_overflow() {
      Failure f = classify(422, "{\"error\":\"Input validation error: `inputs` must have less than 4096 tokens. Given: 5210\","
          + "\"error_type\":\"validation\"}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(4096, 5210, f);
    }

    @Test
    void hf_model_loading_without_retry_hint_still_is_overload() {
      Failure f = classify(503, "{\"error\":\"Model bigscience/bloom is currently loading\"}");
      assertEquals(OVERLOADED, f.kind());
      assertNull(f.retryAfter());
    }

    @Test
    void lmstudio_keep_first_tokens_wording_is_an_overflow() {
      Failure f = classify(400, "{\"error\":\"Trying to keep the first 6074 tokens when context the overflows. However, the "
          + "model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a "
          + "larger context length, or provide a shorter input\"}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertTokens(4096, 6074, f);
    }
  }

  @Nested
  class NonJsonAndGarbage {
    @Test
    void an_nginx_502_page_is_a_server_error_named_by_its_title() {
      Failure f = classify(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
          + "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
      assertEquals(SERVER_ERROR, f.kind());
      assertEquals("502 Bad Gateway", f.message());
    }

    @Test
    void a_cloudflare_524_page_is_a_timeout() {
      Failure f = classify(524, "<!DOCTYPE html>\n<html class=\"no-js\" lang=\"en-US\"><head><title>api.example.com | 524: "
          + "A timeout occurred</title><meta charset=\"UTF-8\" /></head><body><div id=\"cf-wrapper\"><h1><span "
          + "class=\"inline-block\">A timeout occurred</span> <span class=\"code-label\">Error code 524</span></h1></div></body></html>");
      assertEquals(TIMEOUT, f.kind());
    }

    @Test
    void a_cloudflare_rate_limit_page_is_a_rate_limit() {
      Failure f = classify(429, "<!DOCTYPE html><html><head><title>Access denied | api.example.com used Cloudflare to "
          + "restrict access</title></head><body><h1>Error 1015</h1><h2 class=\"cf-subheadline\">You are being rate "
          + "limited</h2></body></html>");
      assertEquals(RATE_LIMITED, f.kind());
    }

    @Test
    void an_empty_503_is_overload_with_a_status_message() {
      Failure f = classify(503, "");
      assertEquals(OVERLOADED, f.kind());
      assertEquals("HTTP 503", f.message());
    }

    @Test
    void an_envoy_plain_text_timeout_is_a_timeout() {
      assertEquals(TIMEOUT, classify(504, "upstream request timeout").kind());
    }

    @Test
    void a_413_page_from_a_proxy_is_an_invalid_request_but_a_413_about_tokens_is_an_overflow() {
      assertEquals(INVALID_REQUEST, classify(413, "<html><head><title>413 Request Entity Too Large</title></head></html>").kind());
      assertEquals(CONTEXT_OVERFLOW, classify(413, "{\"error\":{\"message\":\"Request too large: the prompt has too many tokens\"}}").kind());
    }

    @Test
    void garbage_bodies_fall_back_to_the_status_and_never_throw() {
      assertEquals(SERVER_ERROR, classify(500, "{\"error\": {\"message\": ").kind());
      assertEquals(RATE_LIMITED, classify(429, "[]").kind());
      assertEquals(SERVER_ERROR, classify(502, "null").kind());
      assertEquals(INVALID_REQUEST, classify(400, "42").kind());
      assertEquals(SERVER_ERROR, classify(500, "\u0000\u0001\uFFFF garbage").kind());
      assertEquals(AUTH, classify(401, null).kind());
      assertEquals(SERVER_ERROR, classify(500, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[").kind());
      assertEquals(SERVER_ERROR, classify(-1, "").kind());
      assertNotNull(CLASSIFIER.classify(429, null, "{}", true));
      assertNull(CLASSIFIER.classifyStreamEvent(null, null));
      assertNull(CLASSIFIER.classifyStreamEvent("message", "not json at all"));
    }

    @Test
    void a_huge_body_is_cut_to_the_scan_limit_and_its_leading_fields_still_read() {
      String huge = "{\"error\":{\"message\":\"Rate limit reached. Please try again in 3s.\",\"type\":\"tokens\",\"code\":"
          + "\"rate_limit_exceeded\",\"padding\":\"" + "x".repeat(5_000_000) + "\"}}";
      long start = System.nanoTime();
      Failure f = classify(429, huge);
      assertTrue(System.nanoTime() - start < 2_000_000_000L, "too slow on a huge body");
      assertEquals(RATE_LIMITED, f.kind());
      assertWait(3, f);
    }

    @Test
    void a_plain_json_string_body_is_its_own_message() {
      Failure f = classify(500, "\"Internal Server Error\"");
      assertEquals(SERVER_ERROR, f.kind());
      assertEquals("Internal Server Error", f.message());
    }
  }

  @Nested
  class Taxonomy {
    @Test
    void overload_is_529_for_anthropic_clients_and_503_for_everyone_else() {
      assertEquals(529, OVERLOADED.statusFor(true));
      assertEquals(503, OVERLOADED.statusFor(false));
      assertEquals(429, RATE_LIMITED.statusFor(true));
    }

    @Test
    void waits_are_dropped_for_kinds_where_only_a_changed_request_helps() {
      Failure f = classify(400, Map.of("retry-after", "5"), "{\"error\":{\"message\":\"This model's maximum context length "
          + "is 8192 tokens. However, your messages resulted in 9000 tokens.\",\"code\":\"context_length_exceeded\"}}");
      assertEquals(CONTEXT_OVERFLOW, f.kind());
      assertNull(f.retryAfter());
    }

    @Test
    void every_kind_has_a_snake_case_type_and_a_client_status() {
      for (FailureKind k : FailureKind.values()) {
        assertTrue(k.type().matches("[a-z]+(_[a-z]+)*"), k.type());
        assertTrue(k.downstreamStatus() >= 400 && k.downstreamStatus() <= 599, k.name());
      }
    }
  }
}
