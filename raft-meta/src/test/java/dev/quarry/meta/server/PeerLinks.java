package dev.quarry.meta.server;

import dev.quarry.meta.ratis.PeerAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The network between raft-meta peers, for partition tests: one loopback TCP relay per ordered pair
 * of peers ({@code from -> to}), so that each peer dials the others through relays the test can
 * cut. A cut link passes no bytes in either direction on its existing and new connections — the
 * senders' data waits in socket buffers, as it would behind a dropped route — and a healed link
 * delivers it again, in order (TCP after a partition heals). Nothing is refused or reset, so peers
 * see silence and time out, not fast errors.
 *
 * <p>Ratis keeps the first address it is given for a peer id (its proxy map is keyed by id), so
 * giving each peer a group whose other members point at its own relays routes all its peer traffic
 * — appends, votes, and its Raft client's requests — through them, even after a leader writes its
 * own view of the addresses into the log.
 *
 * <p>Thread-safety: safe for concurrent use; links are kept in concurrent collections and each
 * link's cut flag is guarded by its lock.
 */
final class PeerLinks implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final List<Link> links = new CopyOnWriteArrayList<>();

    /** Starts a relay for {@code from -> to.id()}; returns the address {@code from} must dial for {@code to}. */
    PeerAddress route(String from, PeerAddress to) {
        Link link = new Link(from, to);
        links.add(link);
        return new PeerAddress(to.id(), "127.0.0.1", link.port());
    }

    /** Cuts every link from or to {@code id}: the peer can neither reach nor be reached by any other. */
    void isolate(String id) {
        for (Link link : links) {
            if (link.from.equals(id) || link.to.id().equals(id)) {
                link.setCut(true);
            }
        }
    }

    /** Reconnects every link. */
    void heal() {
        links.forEach(l -> l.setCut(false));
    }

    @Override
    public void close() {
        links.forEach(Link::close);
    }

    /** One direction of the peer graph: a listening socket relaying to {@code to}. */
    private static final class Link {
        private final String from;
        private final PeerAddress to;
        private final ServerSocket listener;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition open = lock.newCondition();
        private boolean cut;
        private volatile boolean closed;

        Link(String from, PeerAddress to) {
            this.from = from;
            this.to = to;
            try {
                this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread.ofVirtual().name("link-" + from + "-" + to.id()).start(this::acceptLoop);
        }

        int port() {
            return listener.getLocalPort();
        }

        void setCut(boolean value) {
            lock.lock();
            try {
                cut = value;
                open.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void acceptLoop() {
            while (!closed) {
                Socket downstream;
                try {
                    downstream = listener.accept();
                } catch (IOException e) {
                    return; // the listener was closed
                }
                try {
                    Socket upstream = new Socket(to.host(), to.port());
                    downstream.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    sockets.add(downstream);
                    sockets.add(upstream);
                    Thread.ofVirtual().start(() -> pump(downstream, upstream));
                    Thread.ofVirtual().start(() -> pump(upstream, downstream));
                } catch (IOException e) {
                    closeQuietly(downstream); // the peer is down: the dialer sees its connection closed
                }
            }
        }

        /** Copies bytes one way, holding each chunk while the link is cut. */
        private void pump(Socket source, Socket sink) {
            byte[] buffer = new byte[CHUNK];
            try (source; sink) {
                InputStream in = source.getInputStream();
                OutputStream out = sink.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    awaitOpen();
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // One side closed or reset: closing both (try-with-resources) passes that on.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                sockets.remove(source);
                sockets.remove(sink);
            }
        }

        private void awaitOpen() throws InterruptedException {
            lock.lock();
            try {
                while (cut && !closed) {
                    open.await();
                }
            } finally {
                lock.unlock();
            }
        }

        void close() {
            closed = true;
            setCut(false);
            try {
                listener.close();
            } catch (IOException e) {
                // Closing anyway.
            }
            new ArrayList<>(sockets).forEach(Link::closeQuietly);
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }
}
