package dev.rebound.gateway.config;

import java.time.Duration;

/** Where session checkpoints live: {@code embedded} (local disk under {@code path}) or {@code redis}. */
public record StoreConfig(String type, String path, Duration ttl, String redisUrl) {}
