package dev.rebound.gateway.config;

/** The admin API's token; empty means the admin API answers only on loopback. */
public record AdminConfig(String token) {}
