package io.vmqos.linux;

/** The daemon threads on which {@link ProcEvents} and {@link DirectoryWatch} call their listeners. */
final class ListenerThreads {
    private ListenerThreads() {}

    /** Hands a listener's exception to the current thread's uncaught exception handler, which by default prints it. */
    static void report(RuntimeException e) {
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }

    /**
     * Waits for {@code t} to end, unless called on {@code t} itself (a listener closing its source); keeps waiting
     * through interrupts and sets the caller's interrupt flag again afterwards.
     */
    static void joinUnlessCurrent(Thread t) {
        if (Thread.currentThread() == t) return;
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
