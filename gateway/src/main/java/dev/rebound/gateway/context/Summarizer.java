package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Writes the summary that replaces dropped turns, by asking the configured summarizer agent through Rebound itself
 * (its own routing pin, retries, fallbacks and breakers apply). Summaries are cached by the content of the span they
 * cover; when a conversation grows, the summary of the span summarized last time is extended with the newly dropped
 * messages instead of reading the whole span again.
 */
public final class Summarizer {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The summarizer's own request must not be summarized in turn. */
  public static final String POLICY_HEADER = "x-rebound-on-overflow";
  private static final long TIMEOUT_MS = 120_000;
  private static final int MAX_CACHED = 2_000;

  private final ContextConfig.Summarizer config;
  private final AgentDefinition agent;
  private final Supplier<String> selfHostPort;
  private final HttpClient http;
  private final ConcurrentHashMap<Long, String> cache = new ConcurrentHashMap<>();

  /** @param selfHostPort where this gateway listens ("127.0.0.1:8080"), known once the server is bound */
  public Summarizer(Vertx vertx, ContextConfig.Summarizer config, AgentDefinition agent, Supplier<String> selfHostPort) {
    this.config = config;
    this.agent = agent;
    this.selfHostPort = selfHostPort;
    this.http = vertx.createHttpClient(new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
  }

  public String agentName() {
    return agent.name();
  }

  /** The tokens a summary may take: the cut leaves this much room for it. */
  public int maxTokens() {
    return config.maxTokens();
  }

  /** A summary of {@code dropped}, from the cache when that span (or a part of it) was summarized before. */
  public Future<String> summarize(List<JsonNode> dropped, String proxyKey) {
    long[] prefix = new long[dropped.size() + 1];
    for (int i = 0; i < dropped.size(); i++) prefix[i + 1] = prefix[i] * 0x9E3779B97F4A7C15L + ContentHash.of(dropped.get(i));
    String whole = cache.get(prefix[dropped.size()]);
    if (whole != null) return Future.succeededFuture(whole);
    int known = 0;
    String earlier = null;
    for (int k = dropped.size() - 1; k > 0; k--) {
      earlier = cache.get(prefix[k]);
      if (earlier != null) {
        known = k;
        break;
      }
    }
    String transcript = (earlier == null ? "" : "Summary of the earlier part:\n" + earlier + "\n\nThen:\n")
        + Transcript.of(dropped.subList(known, dropped.size()), maxTranscriptChars());
    long key = prefix[dropped.size()];
    return ask(transcript, proxyKey).map(summary -> {
      if (cache.size() > MAX_CACHED) cache.clear();
      cache.put(key, summary);
      return summary;
    });
  }

  /** What fits the summarizer's own window, at about 3 characters a token, leaving room for the summary. */
  private int maxTranscriptChars() {
    int window = agent.contextWindow() > 0 ? agent.contextWindow() : 32_768;
    return Math.max(4_000, (window - config.maxTokens() - 500) * 3);
  }

  /** The question goes in the summarizer agent's own wire format, so no translation stands between them. */
  private Future<String> ask(String transcript, String proxyKey) {
    WireFormat format = WireFormats.of(agent.protocol());
    ObjectNode body = format.question(agent.name(), config.maxTokens(), config.prompt(), transcript);
    String[] hostPort = selfHostPort.get().split(":(?=[0-9]+$)");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("content-type", "application/json")
        .add("x-rebound-agent", agent.name())
        .add(POLICY_HEADER, "truncate");
    format.putRequiredHeaders(headers);
    if (proxyKey != null) headers.add("x-rebound-key", proxyKey);
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST)
        .setHost(hostPort[0]).setPort(Integer.parseInt(hostPort[1]))
        .setURI(format.endpoint().path())
        .setTimeout(TIMEOUT_MS)
        .setHeaders(headers);
    return http.request(o)
        .compose(req -> req.send(Buffer.buffer(body.toString())))
        .compose(resp -> resp.body().compose(buf -> {
          if (resp.statusCode() / 100 != 2) {
            return Future.failedFuture("the summarizer answered HTTP " + resp.statusCode() + ": " + clip(buf.toString()));
          }
          String text = answerText(format, buf);
          return text == null || text.isBlank() ? Future.failedFuture("the summarizer's answer has no text")
              : Future.succeededFuture(text.strip());
        }));
  }

  private static String answerText(WireFormat format, Buffer buf) {
    try {
      return format.answerText(JSON.readTree(buf.getBytes()));
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String clip(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  public Future<Void> close() {
    return http.close();
  }
}
