package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream that breaks after the answer's stop reason has lost only its end marker: the gateway ends it itself, and
 * does not ask the backend to continue an answer that is already whole.
 */
class WholeAnswerCutTest {
  static final String ANTHROPIC = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello "}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"world"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

      """;
  static final String OPENAI = """
      data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello "},"finish_reason":null}]}

      data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"world"},"finish_reason":null}]}

      data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

      """;

  final Vertx upstreamVertx = Vertx.vertx();
  final AtomicInteger requests = new AtomicInteger();
  GatewayHarness h;

  /** Answers each request with the protocol's stream up to its stop reason, then drops the connection. */
  @BeforeEach
  void start() {
    int port = RawUpstream.listen(upstreamVertx, (request, socket) -> {
      requests.incrementAndGet();
      byte[] events = (request.contains("/v1/messages") ? ANTHROPIC : OPENAI).getBytes(StandardCharsets.UTF_8);
      // chunked, and the closing zero-length chunk never comes: the connection just ends
      socket.write(Buffer.buffer("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
          + Integer.toHexString(events.length) + "\r\n").appendBytes(events).appendString("\r\n"))
          .onComplete(v -> upstreamVertx.setTimer(50, id -> socket.close()));
    });
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: o, protocol: openai, url: "http://127.0.0.1:%1$d", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
          - { name: a, protocol: anthropic, url: "http://127.0.0.1:%1$d", discoverWindow: off, models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ] }
        agents: [ { name: gpt, backend: o, model: gpt-4o }, { name: claude, backend: a, model: claude-sonnet-4-5 } ]
        routes:
          - { name: translated, match: { model: gpt-4o }, agents: [gpt] }
          - { name: claude, match: { protocol: anthropic }, agents: [claude] }
          - { name: gpt, match: {}, agents: [gpt] }
        resilience: { retry: { baseDelay: 10ms } }
        """.formatted(port));
  }

  @AfterEach
  void stop() {
    if (h != null) h.close();
    upstreamVertx.close().await();
  }

  @Test
  void anAnthropicStreamCutAfterMessageDeltaEndsWithTheGatewaysMessageStopAndIsNotContinued() {
    List<String> seen = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> s = SdkClientsThroughGatewayTest.anthropic(h.base()).messages()
        .createStreaming(SdkClientsThroughGatewayTest.message("claude-sonnet-4-5", "Say hello"))) {
      s.stream().forEach(e -> {
        if (e.isContentBlockDelta()) e.contentBlockDelta().orElseThrow().delta().text().ifPresent(t -> seen.add(t.text()));
        else if (e.isMessageDelta()) seen.add("stop:" + e.messageDelta().orElseThrow().delta().stopReason().orElseThrow());
        else if (e.isMessageStop()) seen.add("message_stop");
      });
    }
    assertEquals(List.of("Hello ", "world", "stop:end_turn", "message_stop"), seen);
    assertEndedByTheGateway("end_turn");
  }

  @Test
  void anOpenAiStreamCutAfterTheFinishReasonEndsWithDoneAndIsNotContinued() {
    List<String> seen = new ArrayList<>();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> s = SdkClientsThroughGatewayTest.openAi(h.base())
        .chat().completions().createStreaming(SdkClientsThroughGatewayTest.chat("gpt-4o", "Say hello"))) {
      s.stream().forEach(c -> c.choices().forEach(ch -> {
        ch.delta().content().ifPresent(seen::add);
        ch.finishReason().ifPresent(f -> seen.add("finish:" + f.asString()));
      }));
    }
    assertEquals(List.of("Hello ", "world", "finish:stop"), seen);
    assertEndedByTheGateway("stop");
  }

  @Test
  void aLostUsageChunkTheClientAskedForIsSaidInTheEventNotMadeUpByAContinuation() throws Exception {
    var r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
    assertEndedByTheGateway("stop");
    assertEquals(true, h.events("answered").get(0).fields().get("usageLost"));
  }

  @Test
  void withSeveralChoicesAFinishedFirstChoiceDoesNotMakeTheAnswerWhole() throws Exception {
    var r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"n\":2,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    assertEquals(200, r.statusCode());
    assertTrue(requests.get() > 1, "the gateway asked for the rest");
    assertTrue(h.events("answered").stream().noneMatch(e -> Boolean.TRUE.equals(e.fields().get("endedByGateway"))));
  }

  @Test
  void anOpenAiStreamCutAfterTheFinishReasonEndsAnAnthropicClientsMessageAndIsNotContinued() {
    List<String> seen = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> s = SdkClientsThroughGatewayTest.anthropic(h.base()).messages()
        .createStreaming(SdkClientsThroughGatewayTest.message("gpt-4o", "Say hello"))) {
      s.stream().forEach(e -> {
        if (e.isContentBlockDelta()) e.contentBlockDelta().orElseThrow().delta().text().ifPresent(t -> seen.add(t.text()));
        else if (e.isMessageDelta()) seen.add("stop:" + e.messageDelta().orElseThrow().delta().stopReason().orElseThrow());
        else if (e.isMessageStop()) seen.add("message_stop");
      });
    }
    // the translator held message_delta for a usage chunk that never came; the cut must not read as a half answer
    assertEquals(List.of("Hello ", "world", "stop:end_turn", "message_stop"), seen);
    assertWholeAtTheFirstAttempt();
  }

  @Test
  void anOpenAiStreamCutAfterTheFinishReasonCompletesAResponsesClientsResponseAndIsNotContinued() throws Exception {
    var r = h.post("/v1/responses", "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"Say hello\"}");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("event: response.completed"), r.body());
    assertTrue(r.body().contains("Hello world"), r.body());
    assertWholeAtTheFirstAttempt();
  }

  private void assertWholeAtTheFirstAttempt() {
    assertEquals(1, requests.get(), "no continuation asked for");
    assertEquals(1, h.events("answered").size());
    assertEquals(List.of(), h.events("failure"), "a whole answer is not a failure");
  }

  private void assertEndedByTheGateway(String stopReason) {
    assertEquals(1, requests.get(), "no continuation asked for");
    GatewayEvent answered = h.events("answered").get(0);
    assertEquals(true, answered.fields().get("endedByGateway"), answered.toString());
    assertTrue(answered.reason().contains("(" + stopReason + ")"), answered.reason());
    assertEquals(List.of(), h.events("failure"), "a whole answer is not a failure");
  }
}
