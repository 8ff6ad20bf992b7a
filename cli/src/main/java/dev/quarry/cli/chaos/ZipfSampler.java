package dev.quarry.cli.chaos;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Ranks {@code 0..n-1} drawn with probability proportional to {@code 1 / (rank + 1)^s}: a few
 * queries are asked very often, most rarely, as in real search traffic.
 * Thread-safety: immutable; the random source is the caller's.
 */
final class ZipfSampler {
    private final double[] cumulative;

    ZipfSampler(int n, double s) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one rank");
        }
        cumulative = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cumulative[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
    }

    int sample(SplittableRandom r) {
        int i = Arrays.binarySearch(cumulative, r.nextDouble());
        return Math.min(cumulative.length - 1, i >= 0 ? i : -i - 1);
    }
}
