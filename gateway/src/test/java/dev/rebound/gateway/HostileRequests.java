package dev.rebound.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fuzzer for the gateway's front: random hostile requests (odd models, numbers out of range, wrong JSON types for
 * every field, truncated and deeply nested JSON, huge strings, bad session ids, bad admin parameters, stray paths and
 * methods), each checked against what the gateway promises: an answer within the timeout, never a 5xx of its own
 * (only an upstream's failure relayed after trying it), and every model-endpoint error in a protocol's error shape.
 * JDK only, so it runs against a gateway in another JVM:
 * {@code java -cp gateway/target/test-classes dev.rebound.gateway.HostileRequests http://127.0.0.1:8080 10000}.
 * With {@code FUZZ_DUMP=<dir>} in the environment, each request slower than 3 s is written there whole.
 */
public final class HostileRequests {
  /** What a run saw: answers by status, and every broken promise (first {@value #KEPT} of them). */
  public record Result(int sent, Map<Integer, Integer> byStatus, int relayedUpstream, int violations, List<String> examples,
                       List<String> slowest) {
    @Override
    public String toString() {
      return sent + " requests, by status " + byStatus + ", " + relayedUpstream + " relayed upstream failures, "
          + violations + " violations" + (examples.isEmpty() ? "" : ":\n  " + String.join("\n  ", examples))
          + "\nslowest:\n  " + String.join("\n  ", slowest);
    }
  }

  static final int KEPT = 30;
  private static final String[] KNOWN_MODELS = {"gpt-4o", "claude-sonnet-4-5", "mock-small", "gpt-4o-mini"};
  private static final String[] ODD_CHARS = {"\n", "\r", "\u0085", "\u2028", "\u2029", "\u0000", "\t", "\u001b[31m",
      "\uFEFF", "\uD83D\uDE00", "\u202E", "*", "?", ".*", "(a+)+$", "\\", "\"", "'", "%00", "../", "{{", "\uFFFF"};
  private static final String[] NUMBERS = {"2147483648", "2147483647", "1e40", "-1", "0", "1.5", "-0", "1e-400",
      "99999999999999999999999999", "-9223372036854775809", "3.0", "\"7\"", "null", "true", "[]", "{}", "1", "128", "129"};
  private static final String[] IDS = {"ok-1", "ok-2", "ok-3", "a".repeat(128), "a".repeat(129), "a".repeat(200),
      "no spaces", "../x", "a/b", "%2e%2e", "", ":::", "x.fork-1", "-", "ok-1.fork-zz"};

  private final Random random;
  private final String base;
  private final HttpClient http;
  private final Duration timeout;

  public HostileRequests(String base, long seed, Duration timeout) {
    this.base = base;
    this.random = new Random(seed);
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** One request: method, path, headers (name, value pairs), body (null: none). */
  record Hostile(String method, String path, List<String> headers, String body, String what) {
    boolean modelEndpoint() {
      return path.contains("/v1/");
    }
  }

  public Result run(int requests, int concurrency) throws InterruptedException {
    Semaphore inFlight = new Semaphore(concurrency);
    Map<Integer, Integer> byStatus = new TreeMap<>();
    AtomicInteger relayed = new AtomicInteger();
    AtomicInteger violations = new AtomicInteger();
    List<String> examples = new ArrayList<>();
    TreeMap<Long, String> slowest = new TreeMap<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    int sent = 0;
    for (int i = 0; i < requests; i++) {
      Hostile h = next();
      HttpRequest request;
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + h.path())).timeout(timeout)
            .method(h.method(), h.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(h.body()));
        for (int k = 0; k < h.headers().size(); k += 2) b.header(h.headers().get(k), h.headers().get(k + 1));
        request = b.build();
      } catch (IllegalArgumentException e) {
        continue; // a request the client library itself refuses to send (a header it will not carry)
      }
      inFlight.acquire();
      sent++;
      long started = System.nanoTime();
      all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, err) -> {
        inFlight.release();
        String problem;
        synchronized (byStatus) {
          long ms = (System.nanoTime() - started) / 1_000_000;
          slowest.put(ms * 100_000 + slowest.size(), ms + " ms " + (r == null ? "-" : r.statusCode()) + " " + h.method() + " "
              + shorten(h.path(), 60) + " " + shorten(h.what(), 100));
          if (slowest.size() > 5) slowest.pollFirstEntry();
          if (ms > 3000 && System.getenv("FUZZ_DUMP") != null) {
            try {
              java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("FUZZ_DUMP"), "slow-" + ms + ".txt"),
                  h.method() + " " + h.path() + "\n" + h.headers() + "\n" + h.body());
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          if (err != null) {
            problem = (rootCause(err) instanceof HttpTimeoutException ? "no answer within " + timeout.toSeconds() + " s" : "failed: " + rootCause(err));
            byStatus.merge(-1, 1, Integer::sum);
          } else {
            byStatus.merge(r.statusCode(), 1, Integer::sum);
            problem = judge(h, r, relayed);
          }
          if (problem != null) {
            violations.incrementAndGet();
            if (examples.size() < KEPT) examples.add(problem + " <- " + h.method() + " " + shorten(h.path(), 120) + " " + h.what());
          }
        }
        return null;
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    return new Result(sent, byStatus, relayed.get(), violations.get(), examples, new ArrayList<>(slowest.descendingMap().values()));
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t;
  }

  /** Null when the answer keeps the gateway's promises; otherwise what it broke. */
  static String judge(Hostile h, HttpResponse<String> r, AtomicInteger relayed) {
    int status = r.statusCode();
    String body = r.body() == null ? "" : r.body();
    if (status >= 500) {
      boolean tried = r.headers().firstValue("x-rebound-attempts").map(a -> !a.equals("0")).orElse(false);
      if (!tried || body.contains("internal_error")) return status + " of the gateway's own: " + shorten(body, 300);
      relayed.incrementAndGet();
    }
    if (status >= 400 && h.modelEndpoint() && !h.method().equals("HEAD")) {
      String type = r.headers().firstValue("content-type").orElse("");
      boolean shaped = type.startsWith("application/json") && body.contains("\"error\"") && body.contains("\"message\"");
      if (!shaped) return status + " not in a protocol's error shape: " + shorten(body, 200);
    }
    if (status >= 400 && h.path().startsWith("/admin") && status != 404 && status != 405
        && !body.contains("\"message\"")) {
      return status + " from the admin API without a message: " + shorten(body, 200);
    }
    return null;
  }

  static String shorten(String s, int max) {
    String flat = s.replace("\n", "\\n").replace("\r", "\\r");
    return flat.length() <= max ? flat : flat.substring(0, max) + "...(" + s.length() + ")";
  }

  // ---- the generator ----

  /** Whether the request being built may still take a huge string (one per request keeps a run quick). */
  private boolean bigLeft;

  Hostile next() {
    bigLeft = chance(10);
    int kind = random.nextInt(100);
    if (kind < 30) return chat();
    if (kind < 55) return anthropic();
    if (kind < 65) return brokenBody();
    if (kind < 85) return admin();
    if (kind < 92) return sessionPath();
    return stray();
  }

  private <T> T pick(T[] from) {
    return from[random.nextInt(from.length)];
  }

  private boolean chance(int percent) {
    return random.nextInt(100) < percent;
  }

  /** A model name, usually a string: known, known with an odd character, random, long, or empty. */
  String model() {
    return switch (random.nextInt(9)) {
      case 0, 1 -> str(pick(KNOWN_MODELS));
      case 2 -> str(pick(KNOWN_MODELS) + pick(ODD_CHARS));
      case 3 -> str(pick(ODD_CHARS) + pick(KNOWN_MODELS));
      case 4 -> str(randomText(random.nextInt(40)));
      case 5 -> str(randomText(1024 + random.nextInt(4096)));
      case 6 -> str(chance(50) ? "" : "   ");
      case 7 -> pick(NUMBERS);
      default -> str("gpt-" + randomText(random.nextInt(20)));
    };
  }

  /** Text with letters, odd characters and the odd lone surrogate. */
  String randomText(int length) {
    StringBuilder b = new StringBuilder(length);
    while (b.length() < length) {
      int r = random.nextInt(20);
      if (r == 0) b.append(pick(ODD_CHARS));
      else if (r == 1) b.append((char) random.nextInt(0x20));
      else if (r == 2) b.append((char) (0xD800 + random.nextInt(0x800)));
      else if (r == 3) b.append((char) (0x80 + random.nextInt(0x3000)));
      else b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  /** A JSON value for a field that should have another type, or a value out of range. */
  String wrongValue() {
    return switch (random.nextInt(6)) {
      case 0 -> pick(NUMBERS);
      case 1 -> str(randomText(random.nextInt(30)));
      case 2 -> "[" + pick(NUMBERS) + "," + str("x") + "]";
      case 3 -> "{\"a\":" + pick(NUMBERS) + "}";
      case 4 -> deep(random.nextInt(3) == 0 ? 5_000 : 200);
      default -> random.nextBoolean() ? "null" : "false";
    };
  }

  static String deep(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  String content() {
    return switch (random.nextInt(10)) {
      case 0 -> big();
      case 1 -> wrongValue();
      case 2 -> "[{\"type\":\"text\",\"text\":" + (chance(50) ? str("hi") : wrongValue()) + "}]";
      case 3 -> "[{\"type\":" + str(randomText(8)) + ",\"data\":" + str("QUFB".repeat(random.nextInt(2000))) + "}]";
      case 4 -> "[{\"type\":\"tool_result\",\"tool_use_id\":" + wrongValue() + ",\"content\":" + wrongValue() + "}]";
      case 5 -> "[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":" + wrongValue() + ",\"input\":" + wrongValue() + "}]";
      case 6 -> "[{\"type\":\"image\",\"source\":" + wrongValue() + "}]";
      default -> str(randomText(random.nextInt(200)));
    };
  }

  private String big() {
    if (!bigLeft) return str(randomText(random.nextInt(2_000)));
    bigLeft = false;
    // a long run without a space is the slowest text to count (for the gateway and the upstream alike)
    return str((chance(50) ? "x" : "word ").repeat(chance(90) ? 20_000 : 200_000 + random.nextInt(200_000)));
  }

  String message(boolean openAi) {
    StringBuilder m = new StringBuilder("{\"role\":");
    m.append(chance(85) ? str(pick(new String[] {"user", "assistant", "system", "tool", "developer"})) : wrongValue());
    m.append(",\"content\":").append(content());
    if (openAi && chance(10)) {
      m.append(",\"tool_calls\":").append(chance(50) ? wrongValue()
          : "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":" + wrongValue() + ",\"arguments\":" + wrongValue() + "}}]");
    }
    if (openAi && chance(5)) m.append(",\"tool_call_id\":").append(wrongValue());
    if (chance(5)) m.append(",\"name\":").append(wrongValue());
    return m.append('}').toString();
  }

  String messages(boolean openAi) {
    if (chance(8)) return wrongValue();
    int n = chance(5) ? 200 + random.nextInt(300) : 1 + random.nextInt(4);
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append(chance(3) ? wrongValue() : message(openAi));
    return b.append(']').toString();
  }

  /** Fields a request may carry, each sometimes out of range or of another type. */
  private String fields(boolean openAi) {
    StringBuilder b = new StringBuilder();
    String[] numeric = openAi ? new String[] {"max_tokens", "max_completion_tokens", "n", "temperature", "top_p"}
        : new String[] {"temperature", "top_k", "top_p"};
    for (String f : numeric) if (chance(20)) b.append(",\"").append(f).append("\":").append(chance(70) ? pick(NUMBERS) : wrongValue());
    if (chance(20)) b.append(",\"stream\":").append(chance(60) ? "true" : wrongValue());
    if (chance(10)) b.append(",\"tools\":").append(chance(50) ? wrongValue() : "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":" + wrongValue() + "}}]");
    if (openAi && chance(10)) b.append(",\"stream_options\":").append(chance(50) ? "{\"include_usage\":true}" : wrongValue());
    if (!openAi && chance(15)) b.append(",\"system\":").append(chance(50) ? str(randomText(50)) : wrongValue());
    if (chance(5)) b.append(",\"metadata\":").append(wrongValue());
    return b.toString();
  }

  private List<String> headers(boolean anthropic) {
    List<String> h = new ArrayList<>(List.of("content-type", chance(97) ? "application/json" : pick(new String[] {"text/plain", "application/json; charset=latin1", "application/jsonx", "multipart/form-data"})));
    if (anthropic) h.addAll(List.of("anthropic-version", "2023-06-01"));
    if (chance(30)) h.addAll(List.of("x-session-id", pick(IDS)));
    if (chance(5)) h.addAll(List.of("x-claude-code-session-id", pick(IDS)));
    if (chance(5)) h.addAll(List.of("x-rebound-agent", pick(new String[] {"assistant", "claude", "nobody", "a".repeat(3000), ""})));
    if (chance(5)) h.addAll(List.of("x-rebound-on-overflow", pick(new String[] {"truncate", "summarize", "fail", "larger-window", "x", ""})));
    if (chance(5)) h.addAll(List.of("x-rebound-resume", pick(new String[] {"true", "false", "maybe"})));
    if (chance(5)) h.addAll(List.of("x-rebound-checkpoint", pick(new String[] {"label", "a".repeat(2000), "x y", ""})));
    if (chance(3)) h.addAll(List.of("x-rebound-task", pick(new String[] {"code", "x".repeat(500), ""})));
    return h;
  }

  Hostile chat() {
    String body = "{\"model\":" + model() + ",\"messages\":" + messages(true) + fields(true) + "}";
    return new Hostile("POST", "/v1/chat/completions", headers(false), body, "chat " + shorten(body, 160));
  }

  Hostile anthropic() {
    String path = chance(20) ? "/v1/messages/count_tokens" : "/v1/messages";
    String max = chance(80) ? ",\"max_tokens\":" + (chance(60) ? "64" : pick(NUMBERS)) : "";
    String body = "{\"model\":" + model() + max + ",\"messages\":" + messages(false) + fields(false) + "}";
    return new Hostile("POST", path, headers(true), body, "messages " + shorten(body, 160));
  }

  /** Not JSON, truncated JSON, deep nesting, a huge string, or no object at all. */
  Hostile brokenBody() {
    String valid = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":5}";
    String body = switch (random.nextInt(8)) {
      case 0 -> valid.substring(0, random.nextInt(valid.length()));
      case 1 -> deep(1 + random.nextInt(100_000));
      case 2 -> "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":" + deep(900 + random.nextInt(200)) + "}]}";
      case 3 -> "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(chance(20) ? 2_000_000 + random.nextInt(6_000_000) : 300_000) + "\"}]}";
      case 4 -> pick(new String[] {"", "null", "[]", "42", "\"x\"", "true", "{}", "{\"model\":null}", "\uFEFF{}"});
      case 5 -> randomText(random.nextInt(300));
      case 6 -> valid.replace("\"model\"", "\"model\":\"a\",\"model\"");
      default -> "{\"model\":\"gpt-4o\",\"messages\":[" + "{\"role\":\"user\",\"content\":\"x\"},".repeat(20_000) + "{\"role\":\"user\",\"content\":\"x\"}]}";
    };
    String path = chance(50) ? "/v1/chat/completions" : "/v1/messages";
    return new Hostile("POST", path, headers(path.endsWith("messages")), body, "broken " + shorten(body, 120));
  }

  Hostile sessionPath() {
    String id = chance(50) ? pick(IDS) : randomText(1 + random.nextInt(20));
    String path = "/s/" + encodePath(id) + pick(new String[] {"/v1/chat/completions", "/v1/messages", "/v1/models"});
    String body = path.endsWith("models") ? null : path.endsWith("completions")
        ? "{\"model\":" + model() + ",\"messages\":" + messages(true) + "}"
        : "{\"model\":" + model() + ",\"max_tokens\":32,\"messages\":" + messages(false) + "}";
    return new Hostile(body == null ? "GET" : "POST", path, headers(path.endsWith("messages")), body, "session path " + shorten(id, 60));
  }

  static String encodePath(String s) {
    StringBuilder b = new StringBuilder();
    for (byte c : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') b.append((char) c);
      else b.append('%').append(String.format("%02X", c & 0xff));
    }
    return b.toString();
  }

  private String param() {
    return switch (random.nextInt(6)) {
      case 0 -> pick(NUMBERS).replace("\"", "");
      case 1 -> encodePath(randomText(random.nextInt(30)));
      case 2 -> pick(new String[] {"default", "nosuch", "..%2Fx", "%00", "", "a".repeat(100)});
      case 3 -> String.valueOf(random.nextInt(10));
      case 4 -> pick(new String[] {"1-0", "0", "x", "-1", "99999999999999999999", "1-2-3", "true", "false", "maybe"});
      default -> "";
    };
  }

  Hostile admin() {
    String id = encodePath(chance(60) ? pick(IDS) : randomText(1 + random.nextInt(30)));
    String q = "?" + pick(new String[] {"tenant", "limit", "offset", "after", "follow", "protocol", "x"}) + "=" + param()
        + (chance(50) ? "&" + pick(new String[] {"tenant", "limit", "offset", "after"}) + "=" + param() : "");
    // follow=true streams until the client leaves: not a request with an answer to wait for
    q = q.replaceAll("follow=(?i)true", "follow=false");
    String n = pick(NUMBERS);
    return switch (random.nextInt(11)) {
      case 0 -> new Hostile("GET", "/admin/sessions" + q, List.of(), null, "list");
      case 1 -> new Hostile("GET", "/admin/sessions/" + id + q, List.of(), null, "show");
      case 2 -> new Hostile("DELETE", "/admin/sessions/" + id + q, List.of(), null, "delete");
      case 3 -> new Hostile("GET", "/admin/sessions/" + id + "/checkpoints/" + encodePath(param()) + q, List.of(), null, "checkpoint");
      case 4 -> new Hostile("POST", "/admin/sessions/" + id + "/checkpoints" + q, List.of(), "{\"label\":" + wrongValue() + "}", "manual");
      case 5 -> new Hostile("POST", "/admin/sessions/" + id + "/fork" + q, List.of(),
          "{\"fromCheckpoint\":" + n + (chance(50) ? ",\"newId\":" + (chance(50) ? str(pick(IDS)) : wrongValue()) : "") + "}", "fork " + n);
      case 6 -> new Hostile("POST", "/admin/sessions/" + id + "/restore" + q, List.of(),
          chance(80) ? "{\"checkpoint\":" + n + "}" : randomText(20), "restore " + n);
      case 7 -> new Hostile("GET", "/admin/sessions/" + id + "/events" + q, List.of(), null, "events " + q);
      case 8 -> new Hostile("POST", "/admin/routes/explain" + q, List.of(), chance(70)
          ? "{\"model\":" + model() + ",\"messages\":" + messages(true) + "}" : wrongValue(), "explain");
      case 9 -> new Hostile("GET", pick(new String[] {"/admin/backends", "/admin/tenants", "/admin/routes", "/ready", "/metrics", "/health"}), List.of(), null, "read");
      default -> new Hostile(pick(new String[] {"PATCH", "PUT", "DELETE", "GET"}), "/admin/" + encodePath(randomText(10)), List.of(), null, "admin stray");
    };
  }

  Hostile stray() {
    String path = pick(new String[] {"/v1/chat/completions", "/v1/messages", "/v1/models", "/v1/completions", "/v2/x",
        "/s//v1/messages", "/s/ok-1/v1/../../admin/sessions", "/%2e%2e/admin", "/v1/chat/completions/", "/ui", "/ui/../../etc/passwd"});
    String method = pick(new String[] {"GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST"});
    return new Hostile(method, path, List.of("content-type", "application/json"), method.equals("POST") ? "{}" : null, "stray");
  }

  private static String str(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20 || Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  /** {@code java ... HostileRequests <base URL> [requests] [seed] [concurrency]}; exits 1 on any violation. */
  public static void main(String[] args) throws Exception {
    String base = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 13;
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    long t0 = System.nanoTime();
    Result r = new HostileRequests(base, seed, Duration.ofSeconds(30)).run(requests, concurrency);
    HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/health"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println(r);
    System.out.println("/health: " + health.statusCode() + " " + health.body() + "; " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    System.exit(r.violations() == 0 && health.statusCode() == 200 ? 0 : 1);
  }
}
