package dev.quarry.meta.ratis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One member of the Raft group: its id ({@code n1}, {@code n2}, ...) and the host and port of its
 * Raft (peer-to-peer) endpoint. Written {@code id=host:port}; a group is a comma-separated list.
 */
public record PeerAddress(String id, String host, int port) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public PeerAddress {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid peer id '" + id + "': use letters, digits, '.', '_' or '-'");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("peer " + id + " has no host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer " + id + " needs a raft port 1-65535, got " + port);
        }
    }

    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    /** Parses {@code id=host:port}. */
    public static PeerAddress parse(String spec) {
        String s = spec.strip();
        int eq = s.indexOf('=');
        int colon = s.lastIndexOf(':');
        if (eq <= 0 || colon <= eq + 1 || colon == s.length() - 1) {
            throw new IllegalArgumentException(
                    "invalid peer '" + spec + "': expected id=host:port, e.g. n1=127.0.0.1:7101");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in peer '" + spec + "'", e);
        }
        return new PeerAddress(s.substring(0, eq), s.substring(eq + 1, colon), port);
    }

    /** Parses {@code n1=h:p,n2=h:p,...}; ids must be distinct. */
    public static List<PeerAddress> parseList(String specs) {
        List<PeerAddress> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String spec : specs.split(",")) {
            if (spec.isBlank()) {
                continue;
            }
            PeerAddress p = parse(spec);
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("peer id " + p.id() + " appears twice in '" + specs + "'");
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no peers in '" + specs + "'");
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return id + "=" + address();
    }
}
