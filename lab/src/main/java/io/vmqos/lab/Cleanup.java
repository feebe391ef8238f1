package io.vmqos.lab;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * JVM-wide registry of lab resources (VMs, namespaces) to tear down if the JVM exits while they are still up
 * (Ctrl-C, SIGTERM, an uncaught exception). One shutdown hook, installed on first use, closes what is still
 * registered, last registered first. Owners unregister when they close normally. Thread-safe.
 */
public final class Cleanup {
    private static final Deque<Registration> LIVE = new ArrayDeque<>();
    private static boolean hookInstalled;

    private Cleanup() {}

    /** A registered resource; {@link #unregister()} is idempotent. */
    public static final class Registration {
        private final String what;
        private final AutoCloseable resource;

        private Registration(String what, AutoCloseable resource) {
            this.what = what;
            this.resource = resource;
        }

        public void unregister() {
            synchronized (LIVE) {
                LIVE.remove(this);
            }
        }

        public String what() { return what; }
    }

    /** Registers {@code resource} (described by {@code what} in error output) for shutdown teardown. */
    public static Registration register(String what, AutoCloseable resource) {
        Registration r = new Registration(what, resource);
        synchronized (LIVE) {
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::runAll, "vqlab-cleanup"));
                hookInstalled = true;
            }
            LIVE.push(r);
        }
        return r;
    }

    /** Number of resources still registered (for tests). */
    public static int liveCount() {
        synchronized (LIVE) {
            return LIVE.size();
        }
    }

    /** Closes everything still registered, newest first; errors are printed, not thrown. */
    public static void runAll() {
        while (true) {
            Registration r;
            synchronized (LIVE) {
                r = LIVE.poll();
            }
            if (r == null) return;
            try {
                r.resource.close();
            } catch (Exception e) {
                System.err.println("vmqos: cleanup of " + r.what + " failed: " + e);
            }
        }
    }
}
