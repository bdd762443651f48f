package dev.rebound.gateway.analytics;

import dev.rebound.gateway.failure.FailureKind;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happened in one minute (or, summed, in a window): requests by how they ended, failures by backend and kind,
 * recoveries by kind with their times, retries per request, fallbacks, context changes and overflows. Its size does not
 * grow with traffic: kinds are an enum and backends are configured names (capped all the same). Not thread-safe: a
 * minute's counts are changed under its own lock ({@link MinuteRing}).
 */
final class RecoveryCounts {
  private static final FailureKind[] KINDS = FailureKind.values();
  /** Backends are configured names; past this many, the rest are counted together. */
  static final int MAX_BACKENDS = 256;
  static final String OTHER_BACKENDS = "(other)";
  /** Requests with 0, 1, 2 and 3 or more retries. */
  static final int RETRY_COLUMNS = 4;

  long answered;
  long gaveUp;
  long clientGone;
  /** backend -> failures per kind (by ordinal) */
  final Map<String, long[]> failures = new TreeMap<>();
  final long[] recovered = new long[KINDS.length];
  final long[] notRecovered = new long[KINDS.length];
  /** per kind (by ordinal): the time to recover of the requests that did; null until one did */
  final DurationHistogram[] recoveryTimes = new DurationHistogram[KINDS.length];
  long retries;
  final long[] requestsByRetries = new long[RETRY_COLUMNS];
  long maxRetries;
  long fallbacks;
  long crossProtocolFallbacks;
  long contextFallbacks;
  long truncated;
  long summarized;
  long maxTokensLowered;
  long refused;
  long upstreamOverflows;
  long preflightOverflows;

  void failure(String backend, FailureKind kind) {
    failures.computeIfAbsent(slot(backend == null ? "none" : backend), k -> new long[KINDS.length])[kind.ordinal()]++;
  }

  /** Where a backend's failures are counted: under its name while fewer than the cap are named, else with the others. */
  private String slot(String backend) {
    if (failures.containsKey(backend) || backend.equals(OTHER_BACKENDS)) return backend;
    int named = failures.size() - (failures.containsKey(OTHER_BACKENDS) ? 1 : 0);
    return named >= MAX_BACKENDS ? OTHER_BACKENDS : backend;
  }

  void judged(RequestVerdict v) {
    switch (v.outcome()) {
      case ANSWERED -> answered++;
      case GAVE_UP -> gaveUp++;
      case CLIENT_GONE -> clientGone++;
    }
    int r = v.retries();
    retries += r;
    requestsByRetries[Math.min(r, RETRY_COLUMNS - 1)]++;
    maxRetries = Math.max(maxRetries, r);
    if (!v.isRecovery()) return;
    int k = v.recoveryKind().ordinal();
    if (v.recovered()) {
      recovered[k]++;
      if (recoveryTimes[k] == null) recoveryTimes[k] = new DurationHistogram();
      recoveryTimes[k].add(v.timeToRecoverMs());
    } else {
      notRecovered[k]++;
    }
  }

  void addAll(RecoveryCounts o) {
    answered += o.answered;
    gaveUp += o.gaveUp;
    clientGone += o.clientGone;
    o.failures.forEach((backend, perKind) -> {
      for (int k = 0; k < perKind.length; k++) {
        if (perKind[k] == 0) continue;
        failures.computeIfAbsent(slot(backend), x -> new long[KINDS.length])[k] += perKind[k];
      }
    });
    for (int k = 0; k < KINDS.length; k++) {
      recovered[k] += o.recovered[k];
      notRecovered[k] += o.notRecovered[k];
      if (o.recoveryTimes[k] != null) {
        if (recoveryTimes[k] == null) recoveryTimes[k] = new DurationHistogram();
        recoveryTimes[k].addAll(o.recoveryTimes[k]);
      }
    }
    retries += o.retries;
    for (int i = 0; i < RETRY_COLUMNS; i++) requestsByRetries[i] += o.requestsByRetries[i];
    maxRetries = Math.max(maxRetries, o.maxRetries);
    fallbacks += o.fallbacks;
    crossProtocolFallbacks += o.crossProtocolFallbacks;
    contextFallbacks += o.contextFallbacks;
    truncated += o.truncated;
    summarized += o.summarized;
    maxTokensLowered += o.maxTokensLowered;
    refused += o.refused;
    upstreamOverflows += o.upstreamOverflows;
    preflightOverflows += o.preflightOverflows;
  }
}
