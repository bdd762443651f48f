package dev.rebound.gateway.events;

/** Where decisions go: the log today; session event streams and metrics attach here too. */
public interface EventSink {
  void emit(GatewayEvent event);
}
