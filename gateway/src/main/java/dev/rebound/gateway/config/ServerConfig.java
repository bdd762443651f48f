package dev.rebound.gateway.config;

/** Where the gateway listens and how large a request body it accepts. */
public record ServerConfig(String host, int port, long maxBodyBytes) {}
