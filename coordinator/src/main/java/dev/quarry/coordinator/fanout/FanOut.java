package dev.quarry.coordinator.fanout;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.coordinator.select.LatencyWindow;
import dev.quarry.coordinator.select.ShardKey;
import dev.quarry.coordinator.select.ReplicaSelector;
import dev.quarry.coordinator.select.ReplicaStats;
import dev.quarry.proto.v1.ShardServiceGrpc.ShardServiceFutureStub;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one call to each target shard under the caller's deadline, and returns one result per
 * shard. Per shard: replicas ranked by {@link ReplicaSelector} (C3), the call goes to the best; if
 * it has not answered within the shard's recent p95 ({@link HedgePolicy}) a hedged copy goes to the
 * next best if fewer of this coordinator's calls are outstanding there, the first answer wins and
 * the other call is cancelled; a retryable failure moves on
 * to the next replica at once. A strict target (a cursor's pinned replica) is asked alone. Now and
 * then a replica that is warming up, has stale statistics or a breaker due for its half-open probe
 * gets a shadow copy whose answer only feeds the statistics.
 * Thread-safety: safe for concurrent use; per-call state lives in {@link Attempts}, guarded by its monitor.
 */
public final class FanOut {
    private final ShardChannels channels;
    private final ReplicaSelector selector;
    private final ScheduledExecutorService timers;
    private final HedgePolicy hedging;
    private final FanOutMetrics metrics;
    private final Map<ShardKey, LatencyWindow> windows = new ConcurrentHashMap<>();

    /** Where one shard's call goes: its route, and optionally the replica it should prefer or (strict) must use. */
    public record Target(ShardRoute shard, String preferredNode, boolean strict) {
        public static Target any(ShardRoute shard) {
            return new Target(shard, null, false);
        }
    }

    /** One shard call on one replica; the stub has the deadline set. */
    @FunctionalInterface
    public interface ShardCall<T> {
        ListenableFuture<T> call(ShardServiceFutureStub stub, int shard, ReplicaRoute replica);
    }

    /**
     * What an answer tells about the replica, for replica selection. A query's answer ({@link
     * #measured}) carries its cost: its response time, service time and queue size feed the ranking
     * and its response time the shard's hedging delay. A statistics call's answer ({@link #versionOnly})
     * tells only that the replica is up and which searcher it read: such a call costs a fraction of a
     * query, and counting it made a replica that is slow to query look fast (in the hot-shard chaos run
     * the replica with 50 ms of injected query latency, whose statistics calls stayed quick, was still the
     * first choice for its shard in about one search of ten).
     */
    public record Feedback(long serviceMicros, int queueSize, long searcherVersion, long newestForMs, boolean measured) {
        public static Feedback measured(long serviceMicros, int queueSize, long searcherVersion, long newestForMs) {
            return new Feedback(serviceMicros, queueSize, searcherVersion, newestForMs, true);
        }

        public static Feedback versionOnly(long searcherVersion, long newestForMs) {
            return new Feedback(0, 0, searcherVersion, newestForMs, false);
        }

        /** Records the answer to a call sent at {@code sentNanos}, answered at {@code nowNanos}, in the replica's statistics. */
        void applyTo(ReplicaStats stats, long sentNanos, long nowNanos) {
            long micros = (nowNanos - sentNanos) / 1000;
            if (measured) {
                stats.succeeded(micros, serviceMicros > 0 ? serviceMicros : micros, queueSize, nowNanos);
            } else {
                stats.succeededUnmeasured();
            }
            // the shard's promise started when it answered, at the earliest when the call was sent
            stats.searcherRead(searcherVersion, newestForMs > 0 ? sentNanos + TimeUnit.MILLISECONDS.toNanos(newestForMs) : nowNanos);
        }
    }

    public FanOut(ShardChannels channels, ReplicaSelector selector, ScheduledExecutorService timers, HedgePolicy hedging, FanOutMetrics metrics) {
        this.channels = channels;
        this.selector = selector;
        this.timers = timers;
        this.hedging = hedging;
        this.metrics = metrics;
    }

    public ReplicaSelector selector() {
        return selector;
    }

    /** Results in target order, one per target; waits at most until the deadline. */
    public <T> List<ShardResult<T>> call(String index, List<Target> targets, ShardCall<T> call,
                                         java.util.function.Function<T, Feedback> feedback, Deadline deadline) {
        metrics.fanOut();
        List<CompletableFuture<ShardResult<T>>> futures = new ArrayList<>(targets.size());
        for (Target t : targets) {
            Attempts<T> a = new Attempts<>(index, t, call, feedback, deadline);
            a.start();
            futures.add(a.result);
        }
        List<ShardResult<T>> results = new ArrayList<>(futures.size());
        for (int i = 0; i < futures.size(); i++) {
            int shard = targets.get(i).shard().shard();
            try {
                long left = Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)) + TimeUnit.MILLISECONDS.toNanos(50);
                results.add(futures.get(i).get(left, TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(f -> f.cancel(true));
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            } catch (TimeoutException e) {
                results.add(new ShardResult.Failure<>(shard, "", Status.DEADLINE_EXCEEDED.withDescription("no answer before the deadline")));
            } catch (ExecutionException e) {
                results.add(new ShardResult.Failure<>(shard, "", Status.INTERNAL.withDescription("fan-out failed")));
            }
        }
        return results;
    }

    private LatencyWindow window(String index, int shard) {
        return windows.computeIfAbsent(new ShardKey(index, shard), k -> new LatencyWindow());
    }

    /**
     * Whether another replica may answer in its place. Not FAILED_PRECONDITION: a shard says that
     * only about a pinned searcher (expired, or no longer its newest), and the caller decides how to
     * re-pin; another replica's newest searcher would not match the statistics gathered from the pin.
     */
    private static boolean retryable(Status s) {
        return switch (s.getCode()) {
            case UNAVAILABLE, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, CANCELLED -> true;
            default -> false;
        };
    }

    /** Whether a failure counts against the replica's health (its breaker). */
    private static boolean replicaFault(Status s) {
        return switch (s.getCode()) {
            case UNAVAILABLE, INTERNAL, UNKNOWN -> true;
            default -> false;
        };
    }

    /** The calls of one shard in one fan-out. Guarded by its monitor. */
    private final class Attempts<T> {
        final CompletableFuture<ShardResult<T>> result = new CompletableFuture<>();
        private final String index;
        private final Target target;
        private final ShardCall<T> call;
        private final java.util.function.Function<T, Feedback> feedback;
        private final Deadline deadline;
        private final List<ReplicaRoute> order;
        private final List<ListenableFuture<T>> inflight = new ArrayList<>();
        private int next;
        private int outstanding;
        private ShardResult.Failure<T> lastFailure;
        /** "node: CODE" of each failed attempt, for the final failure's description; null until one fails (most calls). */
        private List<String> failedAttempts;

        Attempts(String index, Target target, ShardCall<T> call, java.util.function.Function<T, Feedback> feedback, Deadline deadline) {
            this.index = index;
            this.target = target;
            this.call = call;
            this.feedback = feedback;
            this.deadline = deadline;
            this.order = order(target);
        }

        private List<ReplicaRoute> order(Target t) {
            List<ReplicaRoute> replicas = t.shard().replicas();
            if (t.preferredNode() != null) {
                ReplicaRoute pinned = replicas.stream().filter(r -> r.nodeId().equals(t.preferredNode())).findFirst().orElse(null);
                if (t.strict()) {
                    return pinned == null ? List.of() : List.of(pinned);
                }
                if (pinned != null && selector.stats(index, t.shard().shard(), pinned.nodeId()).available(System.nanoTime())) {
                    List<ReplicaRoute> rest = new ArrayList<>(selector.rank(index, t.shard().shard(), replicas, System.nanoTime()));
                    rest.remove(pinned);
                    rest.add(0, pinned);
                    return rest;
                }
            }
            return selector.rank(index, t.shard().shard(), replicas, System.nanoTime());
        }

        void start() {
            int shard = target.shard().shard();
            if (order.isEmpty()) {
                String why = target.strict() ? "pinned replica on node " + target.preferredNode() + " is no longer routable" : "no started replica";
                result.complete(new ShardResult.Failure<>(shard, target.strict() ? target.preferredNode() : "", Status.UNAVAILABLE.withDescription(why)));
                return;
            }
            synchronized (this) {
                launchNext();
            }
            if (!target.strict()) {
                long now = System.nanoTime();
                selector.shadow(index, shard, target.shard().replicas(), order.get(0), now).ifPresent(this::shadow);
                long hedgeAfter = hedging.delayMicros(window(index, shard).p95Micros());
                if (hedgeAfter >= 0 && order.size() > 1 && !result.isDone()) {
                    java.util.concurrent.ScheduledFuture<?> timer = timers.schedule(this::hedge, hedgeAfter, TimeUnit.MICROSECONDS);
                    result.whenComplete((r, e) -> timer.cancel(false));
                }
            }
        }

        private void hedge() {
            synchronized (this) {
                if (result.isDone() || next >= order.size() || deadline.isExpired()) {
                    return;
                }
                if (!lessBusy(order.get(next), order.get(next - 1))) {
                    metrics.hedgeHeld();
                    return;
                }
                metrics.hedgeSent();
                launchNext();
            }
        }

        /**
         * Whether a hedge to {@code candidate} can beat the call awaited on {@code awaited}: only if
         * fewer of this coordinator's calls are outstanding there. A slow replica collects calls, so
         * the hedge goes out; when every replica is as busy (a saturated machine), a copy would wait
         * as long and only add load (measured under a saturating bench load: 84% of such hedges lost).
         */
        private boolean lessBusy(ReplicaRoute candidate, ReplicaRoute awaited) {
            int shard = target.shard().shard();
            return selector.stats(index, shard, candidate.nodeId()).outstanding() < selector.stats(index, shard, awaited.nodeId()).outstanding();
        }

        /** Starts a call on the next replica in order. Caller holds the monitor. */
        private void launchNext() {
            ReplicaRoute replica = order.get(next++);
            int shard = target.shard().shard();
            ReplicaStats stats = selector.stats(index, shard, replica.nodeId());
            stats.started();
            metrics.replicaCall(stats, index, shard, replica.nodeId());
            long t0 = System.nanoTime();
            boolean hedged = next > 1 && outstanding > 0;
            outstanding++;
            ListenableFuture<T> f = start(replica, shard);
            inflight.add(f);
            Futures.addCallback(f, new FutureCallback<>() {
                @Override
                public void onSuccess(T response) {
                    long now = System.nanoTime();
                    long micros = (now - t0) / 1000;
                    Feedback fb = feedback.apply(response);
                    fb.applyTo(stats, t0, now);
                    if (fb.measured()) {
                        window(index, shard).record(micros);
                    }
                    metrics.shardLatency(index, shard, now - t0);
                    if (result.complete(new ShardResult.Answer<>(shard, replica.nodeId(), response))) {
                        if (hedged) {
                            metrics.hedgeWon();
                        }
                        cancelOthers(f);
                    }
                    synchronized (Attempts.this) {
                        outstanding--;
                    }
                }

                @Override
                public void onFailure(Throwable t) {
                    long now = System.nanoTime();
                    Status s = Status.fromThrowable(t);
                    if (result.isDone()) {
                        stats.abandoned((now - t0) / 1000, now);
                    } else if (replicaFault(s)) {
                        stats.failed(now);
                    } else {
                        stats.finishedNeutral();
                    }
                    synchronized (Attempts.this) {
                        outstanding--;
                        if (result.isDone()) {
                            return;
                        }
                        if (failedAttempts == null) {
                            failedAttempts = new ArrayList<>(2);
                        }
                        failedAttempts.add(replica.nodeId() + ": " + s.getCode());
                        lastFailure = new ShardResult.Failure<>(shard, replica.nodeId(), s);
                        if (retryable(s) && next < order.size() && !deadline.isExpired()) {
                            launchNext();
                        } else if (outstanding == 0) {
                            result.complete(failedAttempts.size() < 2 ? lastFailure : new ShardResult.Failure<>(shard, replica.nodeId(),
                                    s.augmentDescription("replicas tried: " + String.join(", ", failedAttempts))));
                        }
                    }
                }
            }, MoreExecutors.directExecutor());
        }

        private ListenableFuture<T> start(ReplicaRoute replica, int shard) {
            try {
                return call.call(channels.futureStub(replica.address()).withDeadline(deadline), shard, replica);
            } catch (RuntimeException e) {
                return Futures.immediateFailedFuture(e);
            }
        }

        private void cancelOthers(ListenableFuture<T> winner) {
            List<ListenableFuture<T>> others;
            synchronized (this) {
                others = new ArrayList<>(inflight);
            }
            for (ListenableFuture<T> o : others) {
                if (o != winner) {
                    o.cancel(true);
                }
            }
        }

        /** A copy whose answer only feeds the replica's statistics. */
        private void shadow(ReplicaRoute replica) {
            int shard = target.shard().shard();
            ReplicaStats stats = selector.stats(index, shard, replica.nodeId());
            stats.started();
            long t0 = System.nanoTime();
            metrics.shadowSent();
            ListenableFuture<T> f;
            try {
                f = call.call(channels.futureStub(replica.address()).withDeadline(deadline), shard, replica);
            } catch (RuntimeException e) {
                stats.finishedNeutral();
                return;
            }
            Futures.addCallback(f, new FutureCallback<>() {
                @Override
                public void onSuccess(T response) {
                    feedback.apply(response).applyTo(stats, t0, System.nanoTime());
                }

                @Override
                public void onFailure(Throwable t) {
                    Status s = Status.fromThrowable(t);
                    if (replicaFault(s)) {
                        stats.failed(System.nanoTime());
                    } else if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                        stats.abandoned((System.nanoTime() - t0) / 1000, System.nanoTime());
                    } else {
                        stats.finishedNeutral();
                    }
                }
            }, MoreExecutors.directExecutor());
        }
    }
}
