package dev.quarry.meta.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.meta.state.Transition;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine holding the cluster metadata: an immutable {@link ClusterState}
 * published through one {@link AtomicReference}, together with the log position it reflects.
 *
 * <p>Which request goes where:
 * <ul>
 *   <li>{@link #query} serves reads ({@code GetState}): the message {@link #GET_STATE} returns the
 *       deterministically serialized state. Ratis routes linearizable reads (read-index, the
 *       server runs with {@code raft.server.read.option=LINEARIZABLE}) and plain reads here.
 *   <li>{@link #startTransaction} receives a write (a serialized {@link MetaCommand}) on the leader
 *       and validates it against the current state; a command that cannot apply is failed in the
 *       {@link TransactionContext} and never reaches the log (the client gets the
 *       {@link MetaException}, carried through Ratis by {@link RejectionTransport}).
 *   <li>{@link #applyTransaction} applies committed commands on every peer, in log order, through
 *       {@link StateTransitions#apply}. A command that became invalid between acceptance and
 *       application (an earlier entry got there first) is skipped on every peer alike and its
 *       rejection is returned in the reply ({@link ApplyReply}).
 * </ul>
 *
 * <p>Snapshots: {@link #takeSnapshot} writes the state with a checksum ({@link SnapshotFile}: temp
 * file, fsync, atomic rename), then registers it with {@link SimpleStateMachineStorage}; a failed
 * write registers nothing. {@link #initialize} and {@link #reinitialize} (after a snapshot was
 * installed from the leader) load the latest snapshot and verify its checksum; Ratis then replays
 * the log after it.
 *
 * <p>Thread-safety: {@code applyTransaction}, {@code notifyTermIndexUpdated}, {@code takeSnapshot}
 * and {@code reinitialize} are called by Ratis' single state machine updater thread (or while the
 * state machine is paused), so {@link #applied} has one writer; {@code query},
 * {@code startTransaction} and {@link #current} run on RPC threads and only read it. Listeners are
 * kept in a copy-on-write list and called on the updater thread after each change: they must be
 * quick and must not block (the watch hub only records the state and schedules a send).
 */
public final class MetaStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);

    /** The read query: return the whole state. */
    public static final Message GET_STATE = Message.valueOf("get-state");
    /** Keep a couple of snapshots so a crash during cleanup still leaves a good one. */
    private static final int SNAPSHOTS_RETAINED = 2;

    /** The published state and the log position it reflects, swapped as one unit. */
    private record Applied(ClusterState state, TermIndex termIndex) {}

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final AtomicReference<Applied> applied = new AtomicReference<>(new Applied(ClusterStates.EMPTY, null));
    private final List<Consumer<ClusterState>> listeners = new CopyOnWriteArrayList<>();

    /** The latest applied state (local, possibly behind the leader). */
    public ClusterState current() {
        return applied.get().state();
    }

    /** Registers a listener for every new state; closing the handle removes it. */
    public AutoCloseable addListener(Consumer<ClusterState> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        deleteTemporaryFiles(raftStorage.getStorageDir().getStateMachineDir().toPath());
        load(storage.getLatestSnapshot());
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString content = request.getMessage().getContent();
        TransactionContext context = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(content)
                .build();
        try {
            StateTransitions.apply(current(), parse(content));
        } catch (MetaException e) {
            LOG.debug("Refused command before the log: {}", e.getMessage());
            context.setException(RejectionTransport.encode(e));
        }
        return context;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex termIndex = TermIndex.valueOf(entry);
        Applied before = applied.get();
        ClusterState next = before.state();
        Message reply;
        try {
            Transition t = StateTransitions.apply(before.state(), parse(entry.getStateMachineLogEntry().getLogData()));
            next = t.state();
            reply = ApplyReply.ok(t.response());
        } catch (MetaException e) {
            LOG.debug("Skipped command at {} that became invalid: {}", termIndex, e.getMessage());
            reply = ApplyReply.rejected(e);
        } catch (RuntimeException e) {
            // A bug: every peer hits it on the same entry, so skipping it keeps the peers equal.
            LOG.error("Failed to apply the command at {}; skipped on every peer", termIndex, e);
            reply = ApplyReply.rejected(new MetaException(MetaException.Kind.INTERNAL,
                    "internal error applying the command; see the raft-meta log"));
        }
        applied.set(new Applied(next, termIndex));
        updateLastAppliedTermIndex(termIndex.getTerm(), termIndex.getIndex());
        if (next != before.state()) {
            notifyListeners(next);
        }
        return CompletableFuture.completedFuture(reply);
    }

    /** Configuration and no-op entries: no state change, but the applied position moves. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        applied.updateAndGet(a -> new Applied(a.state(), TermIndex.valueOf(term, index)));
        super.notifyTermIndexUpdated(term, index);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        if (!request.getContent().equals(GET_STATE.getContent())) {
            return CompletableFuture.failedFuture(MetaException.invalidArgument("unknown query"));
        }
        return CompletableFuture.completedFuture(
                Message.valueOf(ByteString.copyFrom(ClusterStates.toDeterministicBytes(current()))));
    }

    @Override
    public long takeSnapshot() throws IOException {
        Applied a = applied.get();
        if (a.termIndex() == null) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        long term = a.termIndex().getTerm();
        long index = a.termIndex().getIndex();
        SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
        if (latest != null && latest.getIndex() >= index) {
            return latest.getIndex();
        }
        Path file = storage.getSnapshotFile(term, index).toPath();
        SnapshotFile.write(file, term, index, a.state());
        // The MD5 side file is what Ratis checks when it ships this snapshot to a lagging follower.
        MD5Hash md5 = MD5FileUtil.computeMd5ForFile(file.toFile());
        MD5FileUtil.saveMD5File(file.toFile(), md5);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), term, index));
        storage.cleanupOldSnapshots(new SnapshotRetentionPolicy() {
            @Override
            public int getNumSnapshotsRetained() {
                return SNAPSHOTS_RETAINED;
            }
        });
        LOG.info("Took snapshot at term {} index {} (state version {})", term, index, a.state().getVersion());
        return index;
    }

    private void load(SingleFileSnapshotInfo info) throws IOException {
        if (info == null) {
            LOG.info("No snapshot to load; starting from the empty state");
            return;
        }
        Path file = info.getFile().getPath();
        SnapshotFile.Loaded loaded = SnapshotFile.read(file);
        if (loaded.term() != info.getTerm() || loaded.index() != info.getIndex()) {
            throw new IOException("snapshot " + file + " holds term " + loaded.term() + " index " + loaded.index()
                    + " but is named for term " + info.getTerm() + " index " + info.getIndex());
        }
        TermIndex termIndex = TermIndex.valueOf(loaded.term(), loaded.index());
        applied.set(new Applied(loaded.state(), termIndex));
        setLastAppliedTermIndex(termIndex);
        LOG.info("Loaded snapshot {} (state version {})", file.getFileName(), loaded.state().getVersion());
        notifyListeners(loaded.state());
    }

    /** Removes temporary files of snapshot writes that a crash interrupted; they were never published. */
    private static void deleteTemporaryFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, "snapshot.*.tmp")) {
            for (Path p : tmp) {
                LOG.info("Deleting unfinished snapshot {}", p.getFileName());
                Files.deleteIfExists(p);
            }
        }
    }

    private void notifyListeners(ClusterState state) {
        for (Consumer<ClusterState> listener : listeners) {
            try {
                listener.accept(state);
            } catch (RuntimeException e) {
                LOG.warn("State listener failed on version {}", state.getVersion(), e);
            }
        }
    }

    private static MetaCommand parse(ByteString content) {
        try {
            return MetaCommand.parseFrom(content.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw MetaException.invalidArgument("the command is not a valid MetaCommand message");
        }
    }
}
