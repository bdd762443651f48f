package dev.rebound.routing;

/** The features of a request that routing looks at. */
public record RoutingRequest(Protocol protocol, String model) {}
