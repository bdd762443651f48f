package dev.rebound.routing;

/**
 * What a request must look like for a route to apply. A null field matches anything.
 *
 * @param model    glob over the model the client asked for ({@code claude-*}, {@code gpt-4o}, {@code *})
 * @param protocol the client's protocol
 */
public record RouteMatch(String model, Protocol protocol) {
  public static final RouteMatch ANY = new RouteMatch(null, null);
}
