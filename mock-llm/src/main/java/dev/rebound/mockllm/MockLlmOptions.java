package dev.rebound.mockllm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link MockLlmServer} behaves. Immutable; start from {@link #defaults()} and use the
 * {@code with...} methods, or {@link #load(Path)} a YAML file.
 *
 * @param host                 interface to bind
 * @param port                 port to bind, 0 for an ephemeral one
 * @param chunkDelayMs         pause between consecutive streamed content chunks
 * @param models               models listed on {@code /v1/models} with their context windows; the first is
 *                             the loaded model of the single-model servers ({@code /props}, {@code /info})
 * @param defaultContextWindow window for any model name that is not listed (any name is served)
 * @param replyWords           words in each text reply (request header {@code x-mock-reply-words} overrides)
 * @param initialFaults        faults armed when the server starts
 * @param requestLogLimit      how many requests {@code /_mock/requests} keeps (oldest dropped); 0 records nothing
 * @param speaks               the wire formats served ({@code openai}: Chat Completions, {@code anthropic}: Messages,
 *                             {@code openai-responses}: Responses);
 *                             the other's paths answer 404, as a server that speaks only one of them does
 */
public record MockLlmOptions(
    String host,
    int port,
    long chunkDelayMs,
    List<MockModel> models,
    int defaultContextWindow,
    int replyWords,
    List<Fault> initialFaults,
    int requestLogLimit,
    Set<String> speaks) {

  public static final int DEFAULT_REQUEST_LOG_LIMIT = 1000;
  public static final String OPENAI = "openai";
  public static final String ANTHROPIC = "anthropic";
  /** OpenAI's Responses API ({@code POST /v1/responses}). */
  public static final String RESPONSES = "openai-responses";
  /** Every wire format the mock speaks, and what it serves unless told otherwise. */
  public static final Set<String> ALL = Set.of(OPENAI, ANTHROPIC, RESPONSES);

  public MockLlmOptions {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (chunkDelayMs < 0) {
      throw new IllegalArgumentException("chunkDelayMs must be >= 0, got " + chunkDelayMs);
    }
    if (defaultContextWindow < 1) {
      throw new IllegalArgumentException("defaultContextWindow must be >= 1, got " + defaultContextWindow);
    }
    if (replyWords < 1) {
      throw new IllegalArgumentException("replyWords must be >= 1, got " + replyWords);
    }
    if (requestLogLimit < 0) {
      throw new IllegalArgumentException("requestLogLimit must be >= 0, got " + requestLogLimit);
    }
    models = List.copyOf(models);
    initialFaults = List.copyOf(initialFaults);
    speaks = Set.copyOf(speaks);
    if (speaks.isEmpty() || !ALL.containsAll(speaks)) {
      throw new IllegalArgumentException("speaks must name openai, anthropic, openai-responses or several, got " + speaks);
    }
  }

  /** The options with a request log limit, speaking both formats. */
  public MockLlmOptions(String host, int port, long chunkDelayMs, List<MockModel> models,
                        int defaultContextWindow, int replyWords, List<Fault> initialFaults, int requestLogLimit) {
    this(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, ALL);
  }

  public boolean speaks(String format) {
    return speaks.contains(format);
  }

  /** The options without a request log limit, which then defaults to {@value #DEFAULT_REQUEST_LOG_LIMIT}. */
  public MockLlmOptions(String host, int port, long chunkDelayMs, List<MockModel> models,
                        int defaultContextWindow, int replyWords, List<Fault> initialFaults) {
    this(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults,
        DEFAULT_REQUEST_LOG_LIMIT);
  }

  public static MockLlmOptions defaults() {
    return new MockLlmOptions("127.0.0.1", 0, 0,
        List.of(new MockModel("mock-small", 4096),
            new MockModel("mock-large", 128_000),
            new MockModel("gpt-4o", 128_000),
            new MockModel("claude-sonnet-4-5", 200_000)),
        8192, 12, List.of(), DEFAULT_REQUEST_LOG_LIMIT);
  }

  /**
   * Reads options from a YAML file with the keys {@code host, port, chunkDelayMs, replyWords,
   * defaultContextWindow, requestLogLimit, models: [{name, contextWindow, trainedContextWindow}], faults: [...]}
   * ({@code trainedContextWindow} is optional, see {@link MockModel}). Missing
   * keys keep their {@link #defaults()}.
   *
   * @throws IllegalArgumentException naming the key path and the bad value when the file is invalid
   */
  public static MockLlmOptions load(Path yamlFile) {
    return OptionsFile.read(yamlFile);
  }

  /** The context window enforced for {@code model}. */
  public int contextWindowFor(String model) {
    for (MockModel m : models) {
      if (m.name().equals(model)) {
        return m.contextWindow();
      }
    }
    return defaultContextWindow;
  }

  public MockLlmOptions withHost(String host) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withPort(int port) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withChunkDelayMs(long chunkDelayMs) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withModels(List<MockModel> models) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  /** Adds {@code model}, replacing a listed model of the same name. */
  public MockLlmOptions withModel(MockModel model) {
    List<MockModel> next = new ArrayList<>();
    for (MockModel m : models) {
      if (!m.name().equals(model.name())) {
        next.add(m);
      }
    }
    next.add(model);
    return withModels(next);
  }

  public MockLlmOptions withDefaultContextWindow(int defaultContextWindow) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withReplyWords(int replyWords) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withInitialFaults(List<Fault> initialFaults) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  /** Serves only these wire formats ({@link #OPENAI}, {@link #ANTHROPIC}, {@link #RESPONSES}). */
  public MockLlmOptions withSpeaks(Set<String> speaks) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }

  public MockLlmOptions withRequestLogLimit(int requestLogLimit) {
    return new MockLlmOptions(host, port, chunkDelayMs, models, defaultContextWindow, replyWords, initialFaults, requestLogLimit, speaks);
  }
}
