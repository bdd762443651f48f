package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.upstream.StreamTarget;
import dev.rebound.gateway.wire.translate.StreamTranslator;
import io.vertx.core.MultiMap;

/**
 * A backend stream in another wire format than the client's, relayed into the reply event by event through a
 * translator: the reply (and its transcript, splicer and message builder) only ever sees the client's format.
 */
final class TranslatedStream implements StreamTarget {
  private final StreamTarget client;
  private final StreamTranslator translator;

  TranslatedStream(StreamTarget client, StreamTranslator translator) {
    this.client = client;
    this.translator = translator;
  }

  @Override
  public void whenGone(Runnable then) {
    client.whenGone(then);
  }

  @Override
  public void begin(int status, MultiMap upstreamHeaders) {
    client.begin(status, upstreamHeaders);
  }

  @Override
  public boolean accept(SseEvent event) {
    for (SseEvent e : translator.translate(event)) {
      if (!client.accept(e)) return false;
    }
    return true;
  }

  /** The backend's stream is over: the events that end the client's, when the backend had said how it ends. */
  void upstreamEnded() {
    for (SseEvent e : translator.upstreamEnded()) {
      if (!client.accept(e)) return;
    }
  }

  @Override
  public void readStarted() {
    client.readStarted();
  }

  @Override
  public void readDone() {
    client.readDone();
  }

  @Override
  public boolean writeQueueFull() {
    return client.writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    client.drainHandler(onDrain);
  }
}
