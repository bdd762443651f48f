package dev.rebound.gateway.context;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks local model servers which context window they actually loaded, at startup and every
 * {@code context.discoveryRefresh}: vLLM/SGLang {@code GET /v1/models} (max_model_len), llama.cpp {@code GET /props}
 * (n_ctx of a slot), Ollama {@code POST /api/show} (num_ctx when set, else the model's context_length), TGI
 * {@code GET /info} (max_total_tokens, max_input_tokens). The loaded window beats the configured guess: a llama.cpp
 * server started with {@code -c 8192} serves 8192 tokens whatever the model card says.
 */
public final class WindowDiscovery {
  private static final Pattern NUM_CTX = Pattern.compile("(?m)^\\s*num_ctx\\s+(\\d+)");
  private static final long REQUEST_TIMEOUT_MS = 5_000;
  private static final long STARTUP_WAIT_MS = 8_000;

  private final Vertx vertx;
  private final ReboundConfig config;
  private final ContextWindows windows;
  private final EventSink events;
  private final Clock clock;
  private final HttpClient http;
  private final Context context;
  private final Map<String, BackendConfig.WindowDiscovery> found = new LinkedHashMap<>();
  /** What could not be read at the last try, and why; asked again after {@link #retryDelay}. */
  private final Map<Target, String> unread = new LinkedHashMap<>();
  private long retryDelay;
  private long retryTimer = -1;
  private long timer = -1;
  private volatile boolean stopped;

  public WindowDiscovery(Vertx vertx, ReboundConfig config, ContextWindows windows, EventSink events, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.windows = windows;
    this.events = events;
    this.clock = clock;
    this.context = vertx.getOrCreateContext();
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(8));
  }

  /** Reads every backend once, then keeps refreshing; the returned future never fails (a silent server keeps config). */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    // everything runs on one context: start() is called from the main thread, and an HTTP exchange begun off the
    // event loop could lose its answer (seen as a discovery that never completed); `found` stays on one thread too
    context.runOnContext(v -> {
      long every = config.context().discoveryRefresh().toMillis();
      if (every > 0) timer = vertx.setPeriodic(every, id -> readAll(targets()));
      // startup waits for the answers, but never long: a server that is down keeps its configured window until it is up
      long guard = vertx.setTimer(STARTUP_WAIT_MS, id -> started.tryComplete());
      readAll(targets()).onComplete(ar -> {
        vertx.cancelTimer(guard);
        started.tryComplete();
      });
    });
    return started.future();
  }

  public Future<Void> stop() {
    stopped = true;
    context.runOnContext(v -> {
      if (timer >= 0) vertx.cancelTimer(timer);
      if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
    });
    return http.close();
  }

  /** Every (backend, model) whose window is read from its server. */
  private List<Target> targets() {
    List<Target> all = new ArrayList<>();
    for (BackendConfig b : config.backends()) {
      if (b.discover() == BackendConfig.WindowDiscovery.OFF) continue;
      for (String model : modelsServed(b)) all.add(new Target(b, model));
    }
    return all;
  }

  private record Target(BackendConfig backend, String model) {}

  /**
   * Reads the targets' windows; the ones that could not be read are asked again sooner than the refresh (after a
   * 30th of it, 10 s by default, doubling up to it): a local server often comes up after the gateway (vLLM loads a
   * model for minutes), and its configured window is only a guess.
   */
  private Future<Void> readAll(List<Target> targets) {
    List<Future<Void>> all = new ArrayList<>();
    for (Target t : targets) {
      all.add(discover(t.backend(), t.model()).map(problem -> {
        if (problem == null) {
          unread.remove(t);
        } else if (unread.put(t, problem) == null) {
          couldNotRead(t, problem);
        }
        return null;
      }));
    }
    return Future.join(all).<Void>mapEmpty().recover(err -> Future.succeededFuture()).onComplete(ar -> retryUnread());
  }

  private void retryUnread() {
    long every = config.context().discoveryRefresh().toMillis();
    if (unread.isEmpty()) {
      retryDelay = 0;
      return;
    }
    if (stopped || every <= 0 || retryTimer >= 0) return;
    retryDelay = retryDelay == 0 ? Math.max(1, every / 30) : Math.min(retryDelay * 2, every);
    if (retryDelay >= every) return; // the periodic refresh asks them anyway
    retryTimer = vertx.setTimer(retryDelay, id -> {
      retryTimer = -1;
      readAll(new ArrayList<>(unread.keySet()));
    });
  }

  /** A decision too: the window known so far (configured, or what the server said before) stands. */
  private void couldNotRead(Target t, String problem) {
    int configured = t.backend().model(t.model()).map(BackendConfig.ModelConfig::contextWindow).orElse(0);
    ContextWindows.Window before = windows.discoveredWindow(t.backend().name(), t.model());
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("backend", t.backend().name());
    fields.put("model", t.model());
    fields.put("window", before != null ? before.window() : configured);
    fields.put("source", before != null ? before.source() : "config");
    fields.put("configured", configured);
    fields.put("problem", problem);
    String stands = before != null ? "the " + before.window() + "-token window it reported before stands"
        : configured > 0 ? "the configured " + configured + "-token window stands" : "no window is known";
    events.emit(new GatewayEvent(clock.instant(), EventType.WINDOW, null, null, t.backend().name() + " did not say which window "
        + "it loaded for " + t.model() + " (" + problem + "); " + stands + " until it answers", fields));
  }

  private Set<String> modelsServed(BackendConfig b) {
    Set<String> models = new LinkedHashSet<>();
    for (AgentDefinition a : config.agents()) if (b.name().equals(a.backend())) models.add(a.model());
    return models;
  }

  /** Completes with null when the window was read, else with what went wrong (never fails). */
  private Future<String> discover(BackendConfig b, String model) {
    BackendConfig.WindowDiscovery how = found.getOrDefault(b.name(), b.discover());
    List<BackendConfig.WindowDiscovery> order = how == BackendConfig.WindowDiscovery.AUTO
        ? List.of(BackendConfig.WindowDiscovery.VLLM, BackendConfig.WindowDiscovery.LLAMA_CPP,
            BackendConfig.WindowDiscovery.OLLAMA, BackendConfig.WindowDiscovery.TGI)
        : List.of(how);
    return tryEach(b, model, order, 0, new ArrayList<>());
  }

  private Future<String> tryEach(BackendConfig b, String model, List<BackendConfig.WindowDiscovery> order, int i,
      List<String> problems) {
    if (i >= order.size()) return Future.succeededFuture(problems.isEmpty() ? "no kind of server to ask" : String.join("; ", problems));
    BackendConfig.WindowDiscovery kind = order.get(i);
    // llama.cpp's /props and TGI's /info describe the one model a server loaded: without knowing the server's kind,
    // their answer is trusted only for a backend that serves one model
    boolean serverWide = kind == BackendConfig.WindowDiscovery.LLAMA_CPP || kind == BackendConfig.WindowDiscovery.TGI;
    if (serverWide && order.size() > 1 && modelsServed(b).size() > 1) return tryEach(b, model, order, i + 1, problems);
    return ask(b, model, kind).compose(w -> {
      if (w == null || w.window() <= 0) {
        problems.add(kind.text() + ": no window for " + model + " in the answer");
        return tryEach(b, model, order, i + 1, problems);
      }
      found.put(b.name(), kind);
      ContextWindows.Window before = windows.discovered(b.name(), model, w);
      if (before == null || before.window() != w.window() || before.promptLimit() != w.promptLimit()) {
        int configured = b.model(model).map(BackendConfig.ModelConfig::contextWindow).orElse(0);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("backend", b.name());
        fields.put("model", model);
        fields.put("window", w.window());
        if (w.promptLimit() > 0) fields.put("promptLimit", w.promptLimit());
        fields.put("source", w.source());
        fields.put("configured", configured);
        events.emit(new GatewayEvent(clock.instant(), EventType.WINDOW, null, null, b.name() + " (" + w.source() + ") serves "
            + model + " with a " + w.window() + "-token window" + (configured > 0 && configured != w.window()
                ? " (config says " + configured + "; the server wins)" : ""), fields));
      }
      return Future.succeededFuture((String) null);
    }, err -> {
      problems.add(kind.text() + ": " + err.getMessage());
      return tryEach(b, model, order, i + 1, problems);
    });
  }

  /** The window one kind of info endpoint states, or null when it does not answer in that shape. */
  private Future<ContextWindows.Window> ask(BackendConfig b, String model, BackendConfig.WindowDiscovery kind) {
    return switch (kind) {
      case VLLM -> get(b, b.basePath() + "/v1/models", null).map(j -> {
        JsonArray data = j.getJsonArray("data");
        if (data == null) return null;
        for (int k = 0; k < data.size(); k++) {
          JsonObject m = data.getJsonObject(k);
          if (model.equals(m.getString("id")) && m.getValue("max_model_len") instanceof Number n) {
            return new ContextWindows.Window(n.intValue(), 0, "vllm /v1/models");
          }
        }
        return null;
      });
      case LLAMA_CPP -> get(b, "/props", null).map(j -> {
        JsonObject settings = j.getJsonObject("default_generation_settings");
        Object n = settings != null ? settings.getValue("n_ctx") : j.getValue("n_ctx");
        return n instanceof Number num ? new ContextWindows.Window(num.intValue(), 0, "llama.cpp /props") : null;
      });
      case OLLAMA -> get(b, "/api/show", new JsonObject().put("model", model).put("name", model)).map(j -> {
        String params = j.getString("parameters", "");
        Matcher m = NUM_CTX.matcher(params);
        if (m.find()) return new ContextWindows.Window(Integer.parseInt(m.group(1)), 0, "ollama num_ctx");
        JsonObject info = j.getJsonObject("model_info");
        if (info == null) return null;
        for (String key : info.fieldNames()) {
          if (key.endsWith(".context_length") && info.getValue(key) instanceof Number n) {
            return new ContextWindows.Window(n.intValue(), 0, "ollama context_length");
          }
        }
        return null;
      });
      case TGI -> get(b, "/info", null).map(j -> {
        Object total = j.getValue("max_total_tokens");
        Object input = j.getValue("max_input_tokens") != null ? j.getValue("max_input_tokens") : j.getValue("max_input_length");
        if (!(total instanceof Number t)) return null;
        return new ContextWindows.Window(t.intValue(), input instanceof Number i ? i.intValue() : 0, "tgi /info");
      });
      default -> Future.succeededFuture(null);
    };
  }

  private Future<JsonObject> get(BackendConfig b, String path, JsonObject body) {
    RequestOptions o = new RequestOptions()
        .setMethod(body == null ? HttpMethod.GET : HttpMethod.POST)
        .setHost(b.url().getHost()).setPort(b.port()).setSsl(b.tls()).setURI(path)
        .setTimeout(REQUEST_TIMEOUT_MS);
    b.headers().forEach(o::addHeader);
    if (!b.apiKey().isEmpty()) o.addHeader("authorization", "Bearer " + b.apiKey());
    if (body != null) o.addHeader("content-type", "application/json");
    return http.request(o)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body.encode())))
        // the body is read whatever the status: an unread answer would keep its pooled connection busy for good
        .compose(resp -> resp.body().compose(buf -> resp.statusCode() / 100 == 2 ? Future.succeededFuture(buf)
            : Future.<Buffer>failedFuture("HTTP " + resp.statusCode())))
        .map(buf -> {
          Object v = buf.toJsonValue();
          return v instanceof JsonObject j ? j : new JsonObject();
        });
  }
}
