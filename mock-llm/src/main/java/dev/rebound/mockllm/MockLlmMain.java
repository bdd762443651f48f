package dev.rebound.mockllm;

import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * Runs mock-llm standalone, for the demo and the benchmark:
 * {@code MockLlmMain [--config mock-llm.yaml] [--host H] [--port N] [--chunk-delay-ms N] [--speaks openai|anthropic|openai-responses|a,b]}.
 */
public final class MockLlmMain {

  private MockLlmMain() {
  }

  public static void main(String[] args) {
    MockLlmOptions options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("mock-llm: " + e.getMessage());
      System.err.println("usage: MockLlmMain [--config file.yaml] [--host H] [--port N] [--chunk-delay-ms N] [--speaks openai|anthropic|openai-responses|a,b]");
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    MockLlmServer server = new MockLlmServer(vertx, options);
    server.start()
        .onSuccess(port -> System.out.println("mock-llm listening on http://" + options.host() + ":" + port))
        .onFailure(e -> {
          System.err.println("mock-llm failed to start: " + e.getMessage());
          vertx.close();
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }

  /** Options from {@code --config} first, then the other flags on top. */
  static MockLlmOptions parse(String[] args) {
    MockLlmOptions options = MockLlmOptions.defaults();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        options = MockLlmOptions.load(Path.of(value(args, ++i, "--config")));
      }
    }
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> i++;
        case "--host" -> options = options.withHost(value(args, ++i, "--host"));
        case "--port" -> options = options.withPort(number(value(args, ++i, "--port"), "--port"));
        case "--chunk-delay-ms" -> options = options.withChunkDelayMs(
            number(value(args, ++i, "--chunk-delay-ms"), "--chunk-delay-ms"));
        case "--speaks" -> options = options.withSpeaks(java.util.Set.of(value(args, ++i, "--speaks").split(",")));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    return options;
  }

  private static String value(String[] args, int index, String flag) {
    if (index >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[index];
  }

  private static int number(String text, String flag) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got " + text);
    }
  }
}
