package dev.rebound.gateway.cli;

import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "mock-llm", mixinStandardHelpOptions = true,
    description = "Run the scriptable mock model server (OpenAI + Anthropic dialects, SSE, scripted faults).")
final class MockLlmCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Port to listen on (default: the config's port, else 8081; 0 picks a free one).")
  Integer port;

  @Option(names = "--host", description = "Address to bind (default: the config's host, else 127.0.0.1).")
  String host;

  @Option(names = {"-c", "--config"}, description = "YAML file with models, context windows, reply length and faults.")
  Path config;

  @Option(names = "--chunk-delay-ms", description = "Pause between streamed chunks, in milliseconds.")
  Long chunkDelayMs;

  @Option(names = "--speaks", split = ",", description = "Wire formats to serve: openai, anthropic or both (default),"
      + " e.g. --speaks openai to stand in for a server that has only Chat Completions.")
  java.util.Set<String> speaks;

  @Override
  public Integer call() {
    MockLlmOptions options;
    try {
      options = config == null ? MockLlmOptions.defaults() : MockLlmOptions.load(config);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    if (port != null) options = options.withPort(port);
    else if (config == null) options = options.withPort(8081);
    if (host != null) options = options.withHost(host);
    if (chunkDelayMs != null) options = options.withChunkDelayMs(chunkDelayMs);
    try {
      if (speaks != null) options = options.withSpeaks(speaks);
    } catch (IllegalArgumentException e) {
      System.err.println("--speaks: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      int bound = new MockLlmServer(vertx, options).start().await();
      System.out.println("mock-llm listening on http://" + options.host() + ":" + bound
          + " (POST /_mock/faults to script failures, GET /_mock/requests to see what arrived)");
      return 0;
    } catch (Exception e) {
      System.err.println("Cannot start mock-llm: " + e.getMessage());
      vertx.close();
      return 1;
    }
  }
}
