package dev.quarry.coordinator.admission;

/**
 * A token-bucket rate: {@code perSecond} tokens refill per second, up to {@code burst} tokens.
 * {@link #UNLIMITED} (rate 0) means no bucket at all.
 *
 * @param perSecond requests per second in the long run; 0 = unlimited
 * @param burst     requests that may arrive at once after an idle spell; at least 1 when limited
 */
public record RateLimit(double perSecond, double burst) {
    public static final RateLimit UNLIMITED = new RateLimit(0, 0);

    public RateLimit {
        if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be a finite number >= 0, not " + perSecond);
        }
        if (perSecond > 0 && !(burst >= 1) || Double.isInfinite(burst)) {
            throw new IllegalArgumentException("burst must be a finite number >= 1, not " + burst);
        }
    }

    /** {@code rate} per second with a burst of one second's worth (at least 1). */
    public static RateLimit of(double perSecond) {
        return perSecond == 0 ? UNLIMITED : new RateLimit(perSecond, Math.max(1, perSecond));
    }

    public boolean unlimited() {
        return perSecond == 0;
    }

    /** Parses {@code RPS} or {@code RPS:BURST}, e.g. {@code 50} or {@code 50:200}; {@code 0} = unlimited. */
    public static RateLimit parse(String s) {
        String[] parts = s.strip().split(":", -1);
        try {
            if (parts.length == 1) {
                return of(Double.parseDouble(parts[0]));
            }
            if (parts.length == 2) {
                double rate = Double.parseDouble(parts[0]);
                return rate == 0 ? UNLIMITED : new RateLimit(rate, Double.parseDouble(parts[1]));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("rate must be RPS or RPS:BURST (numbers), not '" + s + "'");
    }

    @Override
    public String toString() {
        return unlimited() ? "unlimited" : perSecond + "/s burst " + burst;
    }
}
