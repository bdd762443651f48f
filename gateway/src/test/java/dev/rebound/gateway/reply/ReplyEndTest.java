package dev.rebound.gateway.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The read that carries a stream's end marker goes out with the stream's end, in one write; when the end does not
 * follow at once, it goes out on its own right after; nothing written later overtakes it.
 */
class ReplyEndTest {
  static final String CHUNK = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n";
  static final String STOP = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
  static final String DONE = "data: [DONE]\n\n";

  final Vertx vertx = Vertx.vertx();
  /** One context for every step of a test, as one request's steps share its event loop. */
  final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void theReadThatEndsTheStreamGoesOutWithTheEndInOneWrite() throws Exception {
    Recording channel = onContext(ch -> {
      Reply reply = reply(ch);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a") + CHUNK.formatted("b") + STOP + DONE);
      assertTrue(ch.calls.isEmpty(), "held until the end: " + ch.calls);
      assertTrue(reply.started(), "a held read counts as started");
      reply.end();
    });
    assertEquals(List.of("end:" + CHUNK.formatted("a") + CHUNK.formatted("b") + STOP + DONE), channel.calls);
  }

  @Test
  void aReadThatEndsTheStreamGoesOutOnItsOwnWhenTheEndDoesNotFollowAtOnce() throws Exception {
    Recording channel = onContext(ch -> {
      Reply reply = reply(ch);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a") + DONE);
    });
    // the task that writes it was queued before the one that checked
    Recording after = onContext(ch -> { }, channel);
    assertEquals(List.of("write:" + CHUNK.formatted("a") + DONE), after.calls);
  }

  @Test
  void whatComesAfterAHeldReadGoesOutAfterIt() throws Exception {
    Recording channel = onContext(ch -> {
      Reply reply = reply(ch);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a") + DONE);
      relay(reply, CHUNK.formatted("late"));
      reply.end();
    });
    assertEquals(List.of("write:" + CHUNK.formatted("a") + DONE, "write:" + CHUNK.formatted("late"), "end"),
        channel.calls);
  }

  @Test
  void readsWithoutTheEndMarkerGoOutAsTheyCome() throws Exception {
    Recording channel = onContext(ch -> {
      Reply reply = reply(ch);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a"));
      assertEquals(List.of("write:" + CHUNK.formatted("a")), ch.calls);
      relay(reply, STOP + DONE);
      reply.end();
    });
    assertEquals(List.of("write:" + CHUNK.formatted("a"), "end:" + STOP + DONE), channel.calls);
  }

  @Test
  void aKeptAssistantMessageStillHoldsOnlyTheEndMarkerUntilTheEnd() throws Exception {
    Recording channel = onContext(ch -> {
      Reply reply = reply(ch);
      reply.keepAssistantMessage();
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a") + DONE);
      assertEquals(List.of("write:" + CHUNK.formatted("a")), ch.calls);
      assertFalse(ch.ended);
      reply.end();
    });
    assertEquals(List.of("write:" + CHUNK.formatted("a"), "end:" + DONE), channel.calls);
  }

  @Test
  void aChannelThatDoesNotCoalesceGetsTheLastReadAtOnce() throws Exception {
    // a background job's recording: it may be closed before a next task, and must have the answer's end by then
    Recording channel = new Recording();
    channel.coalesces = false;
    onContext(ch -> {
      Reply reply = reply(ch);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, CHUNK.formatted("a") + DONE);
      assertEquals(List.of("write:" + CHUNK.formatted("a") + DONE), ch.calls);
      reply.end();
    }, channel);
    assertEquals(List.of("write:" + CHUNK.formatted("a") + DONE, "end"), channel.calls);
  }

  @Test
  void aResponsesStreamIsHeldForItsEndByItsEventLinesOnly() throws Exception {
    String delta = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n";
    String completed = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n";
    // the same end without its event line: telling its type would parse every event, so it is not looked for
    String unnamed = "data: {\"type\":\"response.completed\",\"response\":{}}\n\n";
    Recording named = onContext(ch -> {
      Reply reply = reply(ch, WireFormats.OPENAI_RESPONSES);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, delta + completed);
      reply.end();
    });
    assertEquals(List.of("end:" + delta + completed), named.calls);
    Recording dataOnly = onContext(ch -> {
      Reply reply = reply(ch, WireFormats.OPENAI_RESPONSES);
      reply.begin(200, MultiMap.caseInsensitiveMultiMap());
      relay(reply, delta + unnamed);
      reply.end();
    });
    assertEquals(List.of("write:" + delta + unnamed, "end"), dataOnly.calls);
  }

  /** One upstream read, as the upstream call hands it over. */
  static void relay(Reply reply, String sse) {
    List<SseEvent> events = new SseParser().feed(Buffer.buffer(sse));
    reply.readStarted();
    for (SseEvent e : events) assertTrue(reply.accept(e));
    reply.readDone();
  }

  Reply reply(Recording channel) {
    return reply(channel, WireFormats.OPENAI_CHAT);
  }

  Reply reply(Recording channel, dev.rebound.gateway.wire.WireFormat format) {
    return new Reply(channel, vertx, format, true, JsonNodeFactory.instance.objectNode(), e -> null,
        new ReplyObserver() {
          @Override
          public void firstToken() {
          }

          @Override
          public void usage(Supplier<TokenUsage> source) {
          }
        });
  }

  /** Runs {@code body} on one event-loop context, as a request's reply runs, and waits for it and what it queued. */
  Recording onContext(java.util.function.Consumer<Recording> body) throws Exception {
    return onContext(body, new Recording());
  }

  Recording onContext(java.util.function.Consumer<Recording> body, Recording channel) throws Exception {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        body.accept(channel);
        done.complete();
      } catch (Throwable t) {
        done.fail(t);
      }
    });
    done.future().await();
    return channel;
  }

  /** What the reply wrote, call by call. */
  static final class Recording implements ReplyChannel {
    final List<String> calls = new ArrayList<>();
    final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    boolean headWritten;
    boolean ended;
    boolean coalesces = true;

    @Override
    public boolean coalescesEnd() {
      return coalesces;
    }

    @Override
    public ReplyChannel setStatusCode(int status) {
      return this;
    }

    @Override
    public MultiMap headers() {
      return headers;
    }

    @Override
    public ReplyChannel putHeader(CharSequence name, CharSequence value) {
      headers.set(name, value);
      return this;
    }

    @Override
    public void setChunked(boolean chunked) {
    }

    @Override
    public boolean headWritten() {
      return headWritten;
    }

    @Override
    public boolean ended() {
      return ended;
    }

    @Override
    public boolean closed() {
      return false;
    }

    @Override
    public void closeHandler(Handler<Void> handler) {
    }

    @Override
    public void write(Buffer data) {
      headWritten = true;
      calls.add("write:" + data);
    }

    @Override
    public void write(String data) {
      write(Buffer.buffer(data));
    }

    @Override
    public void end() {
      ended = headWritten = true;
      calls.add("end");
    }

    @Override
    public void end(String data) {
      end(Buffer.buffer(data));
    }

    @Override
    public void end(Buffer data) {
      ended = headWritten = true;
      calls.add("end:" + data);
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
    }

    @Override
    public void closeConnection() {
    }
  }
}
