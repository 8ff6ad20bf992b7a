package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.common.metrics.MetricsEndpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench reads the counters and the process CPU under the names a real metrics endpoint serves them. */
class CoordinatorCountersTest {
    @Test
    void readsTheProcessCpuFromARealEndpoint() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("quarry_coordinator_hedges_sent").increment(3);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry)) {
            String url = "http://127.0.0.1:" + endpoint.port() + "/metrics";
            Map<String, Double> before = CoordinatorCounters.read(url);
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long spin = mx.getCurrentThreadCpuTime();
            long x = 0;
            while (mx.getCurrentThreadCpuTime() - spin < 100_000_000L) { // 100 ms of CPU on this thread
                x += Long.numberOfTrailingZeros(x + spin);
            }
            Map<String, Double> after = CoordinatorCounters.read(url);
            assertThat(before).containsEntry(CoordinatorCounters.HEDGES, 3.0).containsKey(CoordinatorCounters.PROCESS_CPU);
            assertThat(CoordinatorCounters.cpuMsPerOp(before, after, 1)).as("sum %d", x).isGreaterThanOrEqualTo(80.0);
            assertThat(before).containsKey(CoordinatorCounters.JIT_MS);
            assertThat(CoordinatorCounters.jitMs(before, after)).isGreaterThanOrEqualTo(0.0);
        }
    }

    @Test
    void compileTimeIsSummedOverCompilersAndUnknownWhenNotServed() {
        Map<String, Double> before = CoordinatorCounters.parse("""
                # TYPE jvm_compilation_time_ms_total counter
                jvm_compilation_time_ms_total{compiler="C1"} 100.0
                jvm_compilation_time_ms_total{compiler="C2"} 400.0
                """);
        Map<String, Double> after = CoordinatorCounters.parse("""
                jvm_compilation_time_ms_total{compiler="C1"} 150.0
                jvm_compilation_time_ms_total{compiler="C2"} 600.0
                """);

        assertThat(CoordinatorCounters.jitMs(before, after)).isEqualTo(250.0);
        assertThat(CoordinatorCounters.jitMs(Map.of(), after)).isNaN();
    }

    @Test
    void unknownCpuIsNotANumber() {
        assertThat(CoordinatorCounters.cpuMsPerOp(Map.of(), Map.of(CoordinatorCounters.PROCESS_CPU, 1e9), 10)).isNaN();
    }
}
