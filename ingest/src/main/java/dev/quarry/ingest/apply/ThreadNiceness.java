package dev.quarry.ingest.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Lowers the OS scheduling priority of the calling thread (Linux nice value), so that a background
 * thread gives the cores to others when they are contended and takes them freely when they are not.
 *
 * <p>Linux keeps a nice value per thread ({@code setpriority(PRIO_PROCESS, tid)}); Java has no call
 * for it ({@link Thread#setPriority} is ignored unless the JVM runs with
 * {@code -XX:ThreadPriorityPolicy=1}, which warns on every start when not run as root). So this reads
 * the thread's id and current nice value from {@code /proc/thread-self/stat} and runs
 * {@code renice} on that id, once per thread. Raising a nice value needs no privilege. Anywhere
 * else (no {@code /proc}, no {@code renice}) it does nothing and says so in its result.
 *
 * <p>Thread-safety: stateless; acts on the calling thread only.
 */
public final class ThreadNiceness {
    private static final Path SELF = Path.of("/proc/thread-self/stat");

    private ThreadNiceness() {}

    /** What {@link #lowerCurrentThread} did: whether the value changed, and the detail for the log. */
    public record Result(boolean lowered, String detail) {
        static Result not(String why) {
            return new Result(false, "not lowered: " + why);
        }
    }

    /** The largest nice increment: 19 takes a nice-0 thread to the lowest priority. */
    public static final int MAX_INCREMENT = 19;

    /** {@code increment} if it is a valid setting (0..19, 0 = leave the priority alone); otherwise IllegalArgumentException. */
    public static int checkIncrement(int increment) {
        if (increment < 0 || increment > MAX_INCREMENT) {
            throw new IllegalArgumentException("apply nice increment must be 0.." + MAX_INCREMENT + ", got " + increment);
        }
        return increment;
    }

    /**
     * Adds {@code increment} (1..19) to the calling thread's nice value, capped at 19.
     *
     * @return whether it was lowered, with {@code "nice 0 -> 4"} or why not
     */
    public static Result lowerCurrentThread(int increment) {
        if (checkIncrement(increment) == 0) {
            throw new IllegalArgumentException("nice increment must be 1.." + MAX_INCREMENT + ", got 0");
        }
        try {
            long[] before = tidAndNice();
            if (before == null) {
                return Result.not("no /proc/thread-self");
            }
            long target = Math.min(MAX_INCREMENT, before[1] + increment);
            Process p = new ProcessBuilder("renice", "-n", Long.toString(target), "-p", Long.toString(before[0]))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Result.not("renice did not finish within 5 s");
            }
            long[] after = tidAndNice();
            return after != null && after[1] == target ? new Result(true, "nice " + before[1] + " -> " + target)
                    : Result.not("renice exited with " + p.exitValue());
        } catch (IOException e) {
            return Result.not(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.not("interrupted");
        }
    }

    /** The calling thread's {tid, nice}, or null where {@code /proc/thread-self} does not exist. */
    static long[] tidAndNice() throws IOException {
        if (!Files.exists(SELF)) {
            return null;
        }
        String stat = Files.readString(SELF);
        // "tid (comm) state ppid ..." — comm may hold spaces and parentheses: fields count from the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // after comm: f[0] state (field 3), ... nice is field 19, so f[16]
        return new long[] {Long.parseLong(stat.substring(0, stat.indexOf(' '))), Long.parseLong(f[16])};
    }
}
