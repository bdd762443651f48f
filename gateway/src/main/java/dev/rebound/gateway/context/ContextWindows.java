package dev.rebound.gateway.context;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.routing.AgentDefinition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The context window of each agent as the gateway knows it now. What the server itself reports (discovery) wins over
 * config, and what an upstream overflow error states wins over both, since that is the limit that was enforced.
 * It also remembers how far this gateway's estimate was below the upstream's own count for an agent, so the next
 * pre-flight cut is sized right instead of failing once more.
 */
public final class ContextWindows {
  /**
   * @param window      prompt + output tokens the model accepts (0: unknown)
   * @param promptLimit the most prompt tokens accepted, when the server states one apart (TGI); 0 when not
   * @param source      where the number comes from: config, discovered (vllm, llama.cpp, ...), upstream error
   */
  public record Window(int window, int promptLimit, String source) {}

  private final ReboundConfig config;
  private final Map<String, Window> discovered = new ConcurrentHashMap<>();
  private final Map<String, Double> underestimate = new ConcurrentHashMap<>();

  public ContextWindows(ReboundConfig config) {
    this.config = config;
  }

  public Window of(AgentDefinition agent) {
    Window w = discovered.get(key(agent.backend(), agent.model()));
    if (w != null) return w;
    return new Window(agent.contextWindow(), 0, agent.contextWindow() > 0 ? "config" : "unknown");
  }

  /** The model's own cap on output tokens from config (0: none stated). */
  public int maxOutput(AgentDefinition agent) {
    return config.backend(agent.backend()).flatMap(b -> b.model(agent.model()))
        .map(BackendConfig.ModelConfig::maxOutputTokens).orElse(0);
  }

  /** The window last read from the server or stated by its errors; null when there is none. */
  public Window discoveredWindow(String backend, String model) {
    return discovered.get(key(backend, model));
  }

  /** Records a window read from a server; returns the previous one (null when there was none). */
  public Window discovered(String backend, String model, Window window) {
    return discovered.put(key(backend, model), window);
  }

  /** Upstream count / our count, as last seen in an overflow error (>= 1); 1.0 when never seen. */
  public double underestimate(AgentDefinition agent) {
    return underestimate.getOrDefault(agent.name(), 1.0);
  }

  void learnedUnderestimate(AgentDefinition agent, double ratio) {
    underestimate.put(agent.name(), Math.max(1.0, Math.min(4.0, ratio)));
  }

  /** The limit an upstream error stated is the one that is enforced: later pre-flights use it. */
  void learnedWindow(AgentDefinition agent, int window) {
    Window now = of(agent);
    if (window > 0 && window != now.window()) discovered.put(key(agent.backend(), agent.model()), new Window(window, now.promptLimit(), "upstream error"));
  }

  private static String key(String backend, String model) {
    return backend + "\u0000" + model;
  }
}
