package dev.rebound.gateway.config;

import dev.rebound.routing.Protocol;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One upstream server.
 *
 * @param url           base URL; the client's path (e.g. {@code /v1/chat/completions}) is appended (see basePath)
 * @param apiKey        replaces the client's credentials; empty means none is sent
 * @param passClientKey forward the client's own credentials instead (users who bring their own provider key)
 * @param headers       extra headers sent on every request to this backend
 * @param retry         this backend's retry settings; null means resilience.retry
 * @param discover      how the loaded context window is read from the server itself (local servers)
 */
public record BackendConfig(
    String name,
    Protocol protocol,
    URI url,
    String apiKey,
    boolean passClientKey,
    Map<String, String> headers,
    Timeouts timeouts,
    int maxConnections,
    List<ModelConfig> models,
    ResilienceConfig.Retry retry,
    WindowDiscovery discover) {

  public BackendConfig {
    headers = Map.copyOf(headers);
    models = List.copyOf(models);
  }

  public Optional<ModelConfig> model(String name) {
    for (ModelConfig m : models) if (m.name().equals(name)) return Optional.of(m);
    return Optional.empty();
  }

  /**
   * Path prefix of the base URL without a trailing slash ("" for {@code http://host:8000}). A trailing {@code /v1} is
   * dropped: the client's path brings its own, and OpenAI SDKs' base URLs (OPENAI_BASE_URL) end in one.
   */
  public String basePath() {
    String p = url.getRawPath();
    if (p == null) return "";
    if (p.endsWith("/")) p = p.substring(0, p.length() - 1);
    if (p.endsWith("/v1")) p = p.substring(0, p.length() - 3);
    return p;
  }

  public boolean tls() {
    return "https".equalsIgnoreCase(url.getScheme());
  }

  public int port() {
    return url.getPort() > 0 ? url.getPort() : tls() ? 443 : 80;
  }

  /**
   * @param connect   TCP (and TLS) connection set-up
   * @param firstByte from the request being sent to the response status line
   * @param idle      longest silence between two chunks of a response
   * @param total     the whole exchange, first byte to last
   */
  public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {}

  /** Which info endpoint tells the loaded context window; AUTO tries each, OFF never asks (hosted APIs). */
  public enum WindowDiscovery {
    AUTO, VLLM, LLAMA_CPP, OLLAMA, TGI, OFF;

    static final String[] TEXTS = {"auto", "vllm", "llama.cpp", "ollama", "tgi", "off"};

    /** As written in config. */
    public String text() {
      return TEXTS[ordinal()];
    }

    static WindowDiscovery parse(String text) {
      return text.equals("llama.cpp") ? LLAMA_CPP : valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public record ModelConfig(String name, int contextWindow, int maxOutputTokens) {}
}
