package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.routing.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Two translations in a row, through the format between them: the request goes through the first then the second,
 * the answer and each stream event back through the second then the first. A Responses client on an Anthropic backend
 * is the Responses-to-Chat translation composed with Chat-to-Messages.
 */
final class Composed implements Translation {
  private final Translation outer;
  private final Translation inner;

  /** @param outer client -> middle format; @param inner middle format -> backend */
  Composed(Translation outer, Translation inner) {
    if (outer.backend() != inner.client()) throw new IllegalArgumentException(outer.backend() + " != " + inner.client());
    this.outer = outer;
    this.inner = inner;
  }

  @Override
  public Protocol client() {
    return outer.client();
  }

  @Override
  public Protocol backend() {
    return inner.backend();
  }

  @Override
  public ObjectNode request(ObjectNode clientRequest, int defaultMaxTokens, Consumer<Dropped> dropped) {
    ObjectNode middle = outer.request(clientRequest, defaultMaxTokens, dropped);
    return inner.request(middle, defaultMaxTokens, dropped);
  }

  @Override
  public ObjectNode answer(JsonNode backendAnswer) {
    return outer.answer(inner.answer(backendAnswer));
  }

  /** The middle request is the inner translation's client request (it says, e.g., whether usage was asked for). */
  @Override
  public ObjectNode answer(JsonNode clientRequest, JsonNode backendAnswer) {
    return outer.answer(clientRequest, inner.answer(middle(clientRequest), backendAnswer));
  }

  @Override
  public StreamTranslator stream(JsonNode clientRequest) {
    StreamTranslator first = inner.stream(middle(clientRequest));
    StreamTranslator second = outer.stream(clientRequest);
    return new StreamTranslator() {
      @Override
      public List<SseEvent> translate(SseEvent backendEvent) {
        return through(first.translate(backendEvent));
      }

      @Override
      public List<SseEvent> upstreamEnded() {
        List<SseEvent> out = through(first.upstreamEnded());
        out.addAll(second.upstreamEnded());
        return out;
      }

      private List<SseEvent> through(List<SseEvent> middleEvents) {
        List<SseEvent> out = new ArrayList<>(4);
        for (SseEvent middleEvent : middleEvents) out.addAll(second.translate(middleEvent));
        return out;
      }
    };
  }

  /** The request in the middle format; the client's already went over once, so it translates again the same way. */
  private JsonNode middle(JsonNode clientRequest) {
    if (!(clientRequest instanceof ObjectNode request)) return clientRequest;
    return outer.request(request, 0, dropped -> { });
  }
}
