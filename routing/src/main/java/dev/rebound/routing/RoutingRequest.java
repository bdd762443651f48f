package dev.rebound.routing;

import java.util.AbstractMap;
import java.util.Locale;
import java.util.Map;

/**
 * The features of a request that routing looks at, extracted once by the gateway.
 *
 * @param headers        lower-cased header names (copied, unless a {@link HeaderView})
 * @param tokens         estimated prompt tokens
 * @param systemText     the system prompt's text ("" when none)
 * @param lastUserText   the text of the last user message ("" when none)
 * @param preferredAgent the agent that served this session's last turn (affinity); null when none
 * @param dice           uniform in [0, 1): the random draw for weighted splits, passed in so routing stays pure
 */
public record RoutingRequest(
    Protocol protocol,
    String model,
    String path,
    String tenant,
    Map<String, String> headers,
    int tokens,
    boolean hasTools,
    boolean hasImages,
    String systemText,
    String lastUserText,
    String preferredAgent,
    double dice) {

  public RoutingRequest {
    headers = headers == null ? Map.of() : headers instanceof HeaderView ? headers : Map.copyOf(headers);
    systemText = systemText == null ? "" : systemText;
    lastUserText = lastUserText == null ? "" : lastUserText;
  }

  /**
   * The request's own headers seen as a map by lower-cased name, without copying them (the gateway's view of its HTTP
   * request): kept as given, so it must not change while the request is routed.
   */
  public abstract static class HeaderView extends AbstractMap<String, String> {}

  /** A request known only by protocol and model (tests, the model list). */
  public RoutingRequest(Protocol protocol, String model) {
    this(protocol, model, null, null, Map.of(), 0, false, false, "", "", null, 0.0);
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  public RoutingRequest withPreferredAgent(String agent) {
    return new RoutingRequest(protocol, model, path, tenant, headers, tokens, hasTools, hasImages, systemText,
        lastUserText, agent, dice);
  }
}
