package dev.rebound.gateway.config;

/** What to do when a conversation no longer fits the model's context window. */
public record ContextConfig(String onOverflow, int keepRecentTurns, int reserveOutputTokens) {}
