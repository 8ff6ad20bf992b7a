package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class JitShareTest {
    @Test
    void sharesAreCompileTimeOverWallTime() {
        JitShare s = JitShare.of(300, 50, 1000);

        assertThat(s.server()).isCloseTo(0.30, within(1e-9));
        assertThat(s.local()).isCloseTo(0.05, within(1e-9));
        assertThat(s.describe()).isEqualTo("server 30%, this JVM 5%");
    }

    @Test
    void settledOnlyWhenNeitherSideCompilesMoreThanTheLimit() {
        assertThat(JitShare.of(50, 50, 1000).settled(0.05)).isTrue();
        assertThat(JitShare.of(51, 10, 1000).settled(0.05)).isFalse();
        assertThat(JitShare.of(10, 51, 1000).settled(0.05)).isFalse();
        // two compiler threads busy all the time: a share above 1
        assertThat(JitShare.of(2000, 0, 1000).settled(0.05)).isFalse();
    }

    @Test
    void aSideThatDoesNotReportIsNotWaitedFor() {
        JitShare s = JitShare.of(Double.NaN, 10, 1000);

        assertThat(s.settled(0.05)).isTrue();
        assertThat(s.describe()).isEqualTo("server unknown, this JVM 1%");
        assertThat(JitShare.of(Double.NaN, 100, 1000).settled(0.05)).isFalse();
    }

    @Test
    void aMarkMeasuresTheServersCompileTimeSinceIt() {
        JitShare.Mark mark = JitShare.Mark.now(java.util.Map.of(CoordinatorCounters.JIT_MS, 100.0));

        JitShare s = mark.until(java.util.Map.of(CoordinatorCounters.JIT_MS, 100.0 + 1e9));
        JitShare unknown = mark.until(java.util.Map.of());

        assertThat(s.server()).isGreaterThan(1.0); // a billion ms of compiling in the few ms since the mark
        assertThat(s.local()).isGreaterThanOrEqualTo(0.0);
        assertThat(unknown.server()).isNaN();
    }

    @Test
    void thisJvmReportsItsCompileTime() {
        // HotSpot (every JDK this project builds with) monitors compile time; by now it has compiled something
        assertThat(JitShare.localJitMs()).isGreaterThan(0.0);
    }
}
