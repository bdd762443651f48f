package dev.rebound.gateway.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The only place that reads provider error dialects. Turns an upstream error (status, headers, body), an
 * error event inside a stream, or an attempt's outcome into a {@link Failure}. Pure and thread-safe; never throws on
 * garbage input.
 *
 * <p>Order of evidence: the body's own words (code, type, Google status, message) matched against the ordered
 * rules of {@code failure-dialects.yaml}; only when no rule matches does the HTTP status decide. An error inside
 * a 200 body or stream takes its status from a numeric error.code when there is one (OpenRouter, vLLM, Gemini).
 */
public final class FailureClassifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Dialects dialects;
  private final RetryHints retryHints;
  private final Clock clock;

  public FailureClassifier(Dialects dialects, Clock clock) {
    this.dialects = Objects.requireNonNull(dialects, "dialects");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.retryHints = new RetryHints(dialects.retryPatterns(), clock);
  }

  /** What an answer's headers (of a success too) say is left of the backend's rate limits; null when nothing. */
  public RateBudget rateBudget(Iterable<Map.Entry<String, String>> headers) {
    if (headers == null) return null;
    try {
      return RateBudget.read(headers, retryHints, clock.instant());
    } catch (RuntimeException e) {
      return null; // a header we cannot read tells us nothing; it never fails the answer
    }
  }

  /** The classifier with the bundled dialect data; HTTP-date waits and rate-limit resets are read against {@code clock}. */
  public static FailureClassifier loadDefault(Clock clock) {
    return new FailureClassifier(Dialects.loadDefault(), clock);
  }

  /** An upstream error answer, as it came. */
  public Failure classify(int status, MultiMap headers, Buffer body, boolean stream) {
    return classify(status, firstValues(headers), body.toString(StandardCharsets.UTF_8), stream);
  }

  /**
   * A 2xx answer's failure: none when its body is an answer, else what its error object says (OpenRouter and others
   * report some errors inside a 200).
   */
  public Failure classifyAnswer(MultiMap headers, Buffer body) {
    if (body.length() == 0) return Failure.of(FailureKind.SERVER_ERROR, "the backend sent an empty answer");
    byte first = body.getByte(0);
    if (first != '{' && first != '[') return null;
    String text = body.toString(StandardCharsets.UTF_8);
    if (!text.contains("\"error\"")) return null;
    try {
      JsonNode root = JSON.readTree(text);
      JsonNode err = root.get("error");
      boolean hasAnswer = root.has("choices") && root.get("choices").size() > 0 || root.has("content");
      if (err == null || err.isNull() || hasAnswer) return null;
    } catch (IOException e) {
      return null;
    }
    return classify(200, firstValues(headers), text, false);
  }

  /** The first value of each header, names lower-cased. */
  private static Map<String, String> firstValues(MultiMap headers) {
    Map<String, String> m = new LinkedHashMap<>();
    headers.forEach(e -> m.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
    return m;
  }

  /**
   * Classifies an upstream error response.
   *
   * @param status  the HTTP status (200 when the error came inside a 200 body or stream)
   * @param headers response headers, names in any case; may be null
   * @param body    the raw body: JSON, plain text, HTML or a captured SSE stream; may be null
   * @param stream  whether the request was streaming: a successful stream that carries no error event
   *                (or nothing at all) was cut short, so it is STREAM_CUT
   */
  public Failure classify(int status, Map<String, String> headers, String body, boolean stream) {
    try {
      Map<String, String> h = RetryHints.caseInsensitive(headers);
      String text = body == null ? "" : body.substring(0, Math.min(body.length(), ErrorBody.MAX_CHARS));
      boolean sse = SseEvents.isEventStream(text);
      if (sse) {
        List<SseEvents.Event> events = SseEvents.parse(text);
        Failure inStream = firstStreamError(status, events, h);
        if (inStream != null) return inStream;
        if (status < 400 && events.stream().anyMatch(SseEvents::isFinal)) {
          return Failure.of(FailureKind.SERVER_ERROR, "the stream finished normally; it carries no error");
        }
      }
      ErrorBody parsed = sse ? ErrorBody.parse("") : ErrorBody.parse(text);
      if ((stream || sse) && status < 400 && !parsed.isError()) {
        return Failure.of(FailureKind.STREAM_CUT, "stream ended without an error or a final event");
      }
      return decide(status, h, withHeaderType(parsed, h));
    } catch (RuntimeException | StackOverflowError e) {
      // Last line of defence: a regex or parser surprise must not turn an upstream error into a gateway crash.
      return Failure.of(dialects.fallbackFor(status), "unreadable error body (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * Classifies one event of a 200 stream: Anthropic {@code event: error}, OpenAI {@code data: {"error":...}},
   * OpenRouter chunks carrying {@code error}, Responses API {@code error} / {@code response.failed},
   * Bedrock exception events. Returns null when the event is not an error.
   */
  public Failure classifyStreamEvent(String sseEventName, String data) {
    try {
      return streamEvent(200, sseEventName, data, Map.of());
    } catch (RuntimeException | StackOverflowError e) {
      return Failure.of(FailureKind.SERVER_ERROR, "unreadable stream event (" + e.getClass().getSimpleName() + ")");
    }
  }

  private Failure firstStreamError(int status, List<SseEvents.Event> events, Map<String, String> headers) {
    for (SseEvents.Event e : events) {
      Failure f = streamEvent(status, e.name(), e.data(), headers);
      if (f != null) return f;
    }
    return null;
  }

  /** @param status the HTTP status the stream came with: an error status still counts, 200 says nothing */
  private Failure streamEvent(int status, String name, String data, Map<String, String> headers) {
    String d = data == null ? "" : data.strip();
    if (d.equals("[DONE]")) return null;
    String event = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    boolean namedError = event.equals("error") || event.equals("response.failed") || event.endsWith("exception");
    // Every error shape has one of these words; ordinary chunks are passed over without parsing JSON.
    if (!namedError && !d.contains("error") && !d.contains("__type")) return null;
    ErrorBody body = ErrorBody.parse(d);
    // Unnamed events are errors only when their JSON says so; plain text data is just content.
    if (!namedError && (body.root() == null || !body.isError())) return null;
    if (d.isEmpty()) return Failure.of(FailureKind.SERVER_ERROR, "stream error event without data");
    if (event.endsWith("exception")) body = body.withTypeIfMissing(name.strip()); // Bedrock names it in the event
    return decide(status >= 400 ? status : 200, headers, body);
  }

  private Failure decide(int httpStatus, Map<String, String> headers, ErrorBody body) {
    int status = httpStatus >= 400 || body.httpCode() < 0 ? httpStatus : body.httpCode();
    String text = Evidence.lower(body.text());
    Duration retryAfter = retryHints.resolve(headers, body, text);
    Evidence evidence = new Evidence(status, body, text, Evidence.lower(body.details()), retryAfter);

    DialectRule matched = null;
    for (DialectRule rule : dialects.rules()) {
      if (rule.matches(evidence)) {
        matched = rule;
        break;
      }
    }
    FailureKind kind = matched != null ? matched.kind() : dialects.fallbackFor(status);

    TokenCounts counts = TokenCounts.NONE;
    if (kind == FailureKind.CONTEXT_OVERFLOW || kind == FailureKind.OUTPUT_LIMIT) {
      List<TokenExtractor> extractors = matched == null || matched.numbers() == null
          ? dialects.extractors() : matched.numbers();
      counts = tokenCounts(extractors, evidence);
      // The numbers decide which part does not fit, whatever the wording suggested.
      if (kind == FailureKind.CONTEXT_OVERFLOW && counts.outputIsTheOverflow()) kind = FailureKind.OUTPUT_LIMIT;
      else if (kind == FailureKind.OUTPUT_LIMIT && counts.promptAloneOverflows()) kind = FailureKind.CONTEXT_OVERFLOW;
    }

    String message = body.message().isBlank() ? (status > 0 ? "HTTP " + status : "") : body.message();
    return new Failure(kind, kind.waitMatters() ? retryAfter : null, counts.limit(), counts.total(), counts.prompt(),
        matched == null ? null : matched.dialect(), message);
  }

  private static TokenCounts tokenCounts(List<TokenExtractor> extractors, Evidence evidence) {
    TokenCounts counts = TokenCounts.NONE;
    for (TokenExtractor e : extractors) {
      counts = counts.orElse(e.extract(evidence));
    }
    return counts;
  }

  /** Bedrock names the exception only in a header (x-amzn-ErrorType: ThrottlingException:http://...). */
  private ErrorBody withHeaderType(ErrorBody body, Map<String, String> headers) {
    for (String name : dialects.typeHeaders()) {
      String v = headers.get(name);
      if (v != null) return body.withTypeIfMissing(v);
    }
    return body;
  }
}
