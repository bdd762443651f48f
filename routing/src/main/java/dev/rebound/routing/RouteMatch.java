package dev.rebound.routing;

import java.util.List;
import java.util.Map;

/**
 * What a request must look like for a route to apply. A null (or empty) field matches anything; every given field
 * must match.
 *
 * @param model     glob over the requested model ({@code claude-*}, {@code gpt-4o}, {@code *})
 * @param path      glob over the request path ({@code /v1/messages})
 * @param headers   header name -> glob over its value ({@code x-team: platform*})
 * @param minTokens prompt size at least this many tokens
 * @param maxTokens prompt size at most this many tokens
 * @param tools     whether the request offers tools
 * @param images    whether the request carries images
 * @param keywords  any of these words (case-insensitive, whole words) in the system prompt or last user message
 * @param regex     this regular expression finds a match in the system prompt or last user message
 * @param task      the task domain (declared with x-rebound-task, or recognised by the task analyzer)
 */
public record RouteMatch(
    String model,
    Protocol protocol,
    String path,
    String tenant,
    Map<String, String> headers,
    Integer minTokens,
    Integer maxTokens,
    Boolean tools,
    Boolean images,
    List<String> keywords,
    String regex,
    String task) {

  public static final RouteMatch ANY = new RouteMatch(null, null);

  public RouteMatch {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    keywords = keywords == null ? List.of() : List.copyOf(keywords);
  }

  public RouteMatch(String model, Protocol protocol) {
    this(model, protocol, null, null, Map.of(), null, null, null, null, List.of(), null, null);
  }
}
