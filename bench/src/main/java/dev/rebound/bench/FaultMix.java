package dev.rebound.bench;

import java.util.random.RandomGenerator;

/**
 * Which upstream faults the gateway's requests meet: a share answered 429 with {@code retry-after}, and a share of
 * streams cut after some chunks. Each faulted request gets its own mock fault (matched by a unique marker in its
 * body, {@code times: 1}), so the gateway's retry or continuation of that request is not faulted again.
 */
public record FaultMix(double share429, int retryAfterSeconds, double shareCut, int cutAfterChunks) {
  public FaultMix {
    if (share429 < 0 || shareCut < 0 || share429 + shareCut > 1) {
      throw new IllegalArgumentException("fault shares must be >= 0 and add up to at most 1");
    }
  }

  public enum Kind { NONE, RATE_LIMIT, CUT }

  /** Draws the fault for one request. */
  public Kind pick(RandomGenerator random) {
    double u = random.nextDouble();
    if (u < share429) return Kind.RATE_LIMIT;
    if (u < share429 + shareCut) return Kind.CUT;
    return Kind.NONE;
  }

  /** The mock's fault JSON for one request carrying {@code marker}. */
  public String faultJson(Kind kind, String marker) {
    return switch (kind) {
      case NONE -> throw new IllegalArgumentException("no fault");
      case RATE_LIMIT -> "{\"match\":{\"contains\":\"" + marker + "\"},\"times\":1,\"status\":429,"
          + "\"headers\":{\"retry-after\":\"" + retryAfterSeconds + "\"}}";
      case CUT -> "{\"match\":{\"contains\":\"" + marker + "\"},\"times\":1,\"cutAfterChunks\":" + cutAfterChunks + "}";
    };
  }

  public String describe() {
    return Math.round(share429 * 100) + " % 429 (retry-after " + retryAfterSeconds + " s), "
        + Math.round(shareCut * 100) + " % cut after " + cutAfterChunks + " chunks";
  }
}
